#!/usr/bin/env bash
# Object x skill evaluation of a checkpoint (upstream test.sh, without grepping logs): runs --test for
# every object/skill folder of DATASET and writes output/test_table.{csv,md}; missing data or a
# missing checkpoint is reported in the table.
#   CHECKPOINT_PATH=checkpoint/mano/mano_bottle_grasp-move-place.pth OBJECTS="Bottle Box" bash test.sh
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python}
CHECKPOINT_PATH=${CHECKPOINT_PATH:-checkpoint/mano/mano_bottle_grasp-move-place.pth}
DATASET=${DATASET:-hot/data/motions/dexgrasp_train_mano}
OBJECTS=${OBJECTS:-Bottle Box Hammer Sword}
SKILLS=${SKILLS:-grasp move place}
$PY -m hot.eval_table --checkpoint "$CHECKPOINT_PATH" --dataset "$DATASET" --objects $OBJECTS \
  --skills $SKILLS --num_envs "${NUM_ENVS:-16}" --out "${OUT:-output/test_table}" "$@"
