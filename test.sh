#!/usr/bin/env bash
# Object x skill evaluation (upstream test.sh, without grepping logs): runs --test for every object/skill
# folder of DATASET and writes ${OUT}.{csv,md} (default output/test_table); missing data or a missing
# checkpoint is reported in the table. With no settings it tabulates the shipped 15-object MANO student over the
# 20 objects with held-out clips in hot/data/motions/dexgrasp_heldout_mano_20obj (OBJECTS=all; 60 s on 2 cores):
#   bash test.sh
#   CHECKPOINT_PATH=checkpoint/mano/mano_bottle_grasp-move-place.pth OBJECTS="Bottle Box" bash test.sh
# With POLICIES, several policies on the same clips in one table (hand x object x skill x policy), with each
# policy's success on the clips that fail open loop and each checkpoint's training cost:
#   HAND=mano DATASET=output/heldout OBJECTS=Bottle SKILLS="grasp move place" \
#     POLICIES="openloop checkpoint/mano/mano_bottle_grasp-move-place.pth" bash test.sh
set -euo pipefail
cd "$(dirname "$0")"
# the project's venv (scripts/setup.sh) when there is one, else the python on PATH
if [ -z "${PYTHON:-}" ] && [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; fi
PY=${PYTHON:-python}
CHECKPOINT_PATH=${CHECKPOINT_PATH:-checkpoint/mano/mano_15obj_student.pth}
DATASET=${DATASET:-hot/data/motions/dexgrasp_heldout_mano_20obj}
OBJECTS=${OBJECTS:-all}
SKILLS=${SKILLS:-grasp move place}
if [ -n "${POLICIES:-}" ]; then
  WHO=(--policies $POLICIES)
else
  WHO=(--checkpoint "$CHECKPOINT_PATH")
fi
$PY -m hot.eval_table "${WHO[@]}" --dataset "$DATASET" --objects $OBJECTS --skills $SKILLS \
  --hand_model "${HAND:-mano}" --num_envs "${NUM_ENVS:-16}" --out "${OUT:-output/test_table}" "$@"
