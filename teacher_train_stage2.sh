#!/usr/bin/env bash
# Stage 2 (noisy generalisation) resumes from stage 1's latest checkpoint, as upstream.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python}
LATEST=$(ls -t output/mano_stage1_*/nn/*.pth 2>/dev/null | head -n 1 || true)
if [ -z "${RESUME:-$LATEST}" ]; then
  echo "teacher_train_stage2.sh: no stage-1 checkpoint under output/mano_stage1_*/nn/; run teacher_train_stage1.sh first or set RESUME=PATH" >&2
  exit 2
fi
$PY hot/run.py --task SkillMimicHandRand \
  --num_envs "${NUM_ENVS:-4096}" \
  --episode_length 60 \
  --cfg_env hot/data/cfg/mano/mano_stage2_noisey_generalize.yaml \
  --cfg_train "${CFG_TRAIN:-hot/data/cfg/train/rlg/skillmimic_denseobj.yaml}" \
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
