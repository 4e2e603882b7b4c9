#!/usr/bin/env bash
# The main job on a small CPU default: set up ./.venv, train a MANO + Bottle teacher briefly on the
# shipped grasp/move/place data, then test the shipped checkpoint on held-out clips and print the
# per-skill results table. Takes a few minutes on a 2-core laptop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY=.venv/bin/python
COMMON=(--task SkillMimicHandRand --cfg_env hot/data/cfg/mano/mano_stage1_precise_track.yaml
        --enable_obj_keypoints --enable_ig_scale --use_res_action --enable_dof_obs
        --hand_model mano --objnames Bottle --headless)
echo "== 1/2: short teacher training (64 envs, 5 PPO epochs) =="
$PY hot/run.py "${COMMON[@]}" --num_envs 64 --episode_length 60 \
  --cfg_train hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml \
  --motion_file hot/data/motions/dexgrasp_train_mano_gmp/bottle \
  --state_noise_prob 0.2 --enable_early_termination --max_iterations 5 \
  --output_path output/quickstart --experiment quickstart
echo "== 2/2: test of the shipped checkpoint on held-out grasp clips =="
$PY hot/run.py --test "${COMMON[@]}" --num_envs 32 --state_init 2 --episode_length 180 \
  --cfg_train hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml \
  --motion_file hot/data/motions/dexgrasp_train_mano/bottle/grasp_higher_kp \
  --checkpoint checkpoint/mano/mano_bottle_grasp-move-place.pth \
  --results output/quickstart/test_results
