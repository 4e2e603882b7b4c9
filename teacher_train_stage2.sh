#!/usr/bin/env bash
# Stage 2 (noisy generalisation) resumes from stage 1's latest checkpoint, as upstream. It picks the same
# train config as stage 1 does on this machine (CUDA or not), so the networks match; RESUME=PATH overrides.
set -euo pipefail
cd "$(dirname "$0")"
# the project's venv (scripts/setup.sh) when there is one, so this works in a new shell without activation
if [ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; fi
PY=${PYTHON:-python}
# without CUDA: the CPU train config (smaller network) and 256 envs, unless set explicitly
if "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  : "${NUM_ENVS:=4096}" "${CFG_TRAIN:=hot/data/cfg/train/rlg/skillmimic_denseobj.yaml}"
else
  : "${NUM_ENVS:=256}" "${CFG_TRAIN:=hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml}"
  echo "[$(basename "$0")] no CUDA: $NUM_ENVS envs with $CFG_TRAIN (~5 s per epoch on 2 cores; set NUM_ENVS / CFG_TRAIN to override)" >&2
fi
LATEST=$(ls -t output/ppo/SkillMimicHandRand/*_mano_stage1*/nn/*.pth 2>/dev/null | head -n 1 || true)
if [ -z "${RESUME:-$LATEST}" ]; then
  echo "teacher_train_stage2.sh: no stage-1 checkpoint under output/ppo/SkillMimicHandRand/*_mano_stage1*/nn/; run teacher_train_stage1.sh first or set RESUME=PATH" >&2
  exit 2
fi
$PY hot/run.py --task SkillMimicHandRand \
  --num_envs "$NUM_ENVS" \
  --episode_length 60 \
  --cfg_env hot/data/cfg/mano/mano_stage2_noisey_generalize.yaml \
  --cfg_train "$CFG_TRAIN" \
  --motion_file hot/data/motions/dexgrasp_train_mano_gmp/bottle \
  --state_noise_prob 0.5 \
  --obj_rand_scale \
  --enable_obj_keypoints \
  --enable_ig_scale \
  --use_delta_action \
  --enable_dof_obs \
  --enable_early_termination \
  --hand_model mano \
  --objnames Bottle \
  --resume_from "${RESUME:-$LATEST}" \
  --max_iterations "${MAX_ITERATIONS:-30000}" \
  --output_path output/ --experiment mano_stage2 \
  --headless "$@"
