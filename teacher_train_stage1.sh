#!/usr/bin/env bash
# Stage 1 (precise tracking) of the MANO Bottle teacher, as upstream. On a CPU, override e.g.
#   NUM_ENVS=256 CFG_TRAIN=hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml bash teacher_train_stage1.sh
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python}
$PY hot/run.py --task SkillMimicHandRand \
  --num_envs "${NUM_ENVS:-4096}" \
  --episode_length 60 \
  --cfg_env hot/data/cfg/mano/mano_stage1_precise_track.yaml \
  --cfg_train "${CFG_TRAIN:-hot/data/cfg/train/rlg/skillmimic_denseobj.yaml}" \
  --motion_file hot/data/motions/dexgrasp_train_mano_gmp/bottle \
  --state_noise_prob 0.2 \
  --enable_obj_keypoints \
  --enable_ig_scale \
  --use_delta_action \
  --enable_dof_obs \
  --enable_early_termination \
  --hand_model mano \
  --objnames Bottle \
  --max_iterations "${MAX_ITERATIONS:-20000}" \
  --output_path output/ --experiment mano_stage1 \
  --headless "$@"
