#!/usr/bin/env bash
# The 15-object MANO student (checkpoint/mano/mano_15obj_student.pth), end to end, on a CPU:
#   1. grasp/move/place training clips (seed 0) for the 12 objects that ship none in dexgrasp_train_mano_gmp
#      (the shipped copies are hot/data/motions/dexgrasp_train_mano_20obj/<object>/);
#   2. one teacher per object, 20 PPO epochs fine-tuned from the shipped Bottle teacher
#      (Bottle, Box and Hammer use their shipped teachers);
#   3. MultiObjDistill over the 15 objects (CPU schedule, 260 epochs: DAgger, critic, then PPO);
#   4. held-out clips (seed 101) for every object, the 15 trained and the unseen ones, and the table.
# Steps are skipped when their output exists, so a stopped run resumes where it stopped.
#   OUT=output/mano_15obj bash scripts/mano_15obj_student.sh            (about 3 h on 2 cores)
#   STEPS="heldout eval" CKPT=checkpoint/mano/mano_15obj_student.pth bash scripts/mano_15obj_student.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
OUT=${OUT:-output/mano_15obj}
STEPS=${STEPS:-"data teachers student heldout eval"}
NEW="Ball Book Bowl Can Disc Drill Figure Knife Pan Pencil Screwdriver Wineglass"
SHIPPED="Bottle Box Hammer"
UNSEEN="Duck Mug Phone Stapler Sword TennisBall"
EPOCHS=${EPOCHS:-260}
lower() { echo "$1" | tr '[:upper:]' '[:lower:]'; }
has() { [[ " $STEPS " == *" $1 "* ]]; }
mkdir -p "$OUT/train" "$OUT/teachers"

if has data; then
  for o in $NEW; do  # seed 0, the datagen defaults but 8 grasps
    [ -d "$OUT/train/$(lower $o)" ] || "$PY" -m hot.datagen --hand mano --objects "$o" \
      --skills grasp move place --num_grasps 8 --seed 0 --no_progress --out "$OUT/train"
  done
  for o in $SHIPPED; do
    l=$(lower $o); mkdir -p "$OUT/train/$l"
    for s in grasp move place; do
      ln -sfn "$PWD/hot/data/motions/dexgrasp_train_mano_gmp/$l/${s}_higher_kp" "$OUT/train/$l/${s}_higher_kp"
    done
  done
fi

if has teachers; then
  for o in $SHIPPED; do cp -n "checkpoint/mano/mano_$(lower $o)_grasp-move-place.pth" "$OUT/teachers/"; done
  for o in $NEW; do
    l=$(lower $o); dst="$OUT/teachers/mano_${l}_grasp-move-place.pth"
    [ -f "$dst" ] && continue
    "$PY" hot/run.py --task SkillMimicHandRand --num_envs 256 --episode_length 60 \
      --cfg_env hot/data/cfg/mano/mano_stage1_precise_track.yaml \
      --cfg_train hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml \
      --motion_file "$OUT/train/$l" --state_noise_prob 0.2 \
      --enable_obj_keypoints --enable_ig_scale --use_res_action --enable_dof_obs --enable_early_termination \
      --hand_model mano --objnames "$o" --headless --max_iterations 20 --output_path "$OUT/runs" \
      --experiment "mano_${l}_gmp" --checkpoint checkpoint/mano/mano_bottle_grasp-move-place.pth
    run=$(ls -td "$OUT/runs/ppo/SkillMimicHandRand/"*"_mano_${l}_gmp"* | head -1)
    "$PY" -c "import sys; from hot.utils.runs import newest_checkpoint; from pathlib import Path; \
print(newest_checkpoint(Path(sys.argv[1])))" "$run" | xargs -I{} cp {} "$dst"
  done
fi

if has student; then
  last=$(ls -td "$OUT/runs/distill/MultiObjDistill/"*_mano_15obj_student* 2>/dev/null | head -1 || true)
  resume=()
  [ -n "$last" ] && ck=$("$PY" -c "import sys; from hot.utils.runs import latest_checkpoint; \
print(latest_checkpoint(sys.argv[1]) or '')" "$last") && [ -n "$ck" ] && resume=(--resume_from "$ck")
  sed "s#teacher_dir: output/mano_15obj/teachers#teacher_dir: $OUT/teachers#" \
    hot/data/cfg/train/rlg/skillmimic_15obj_distill_cpu.yaml > "$OUT/distill.yaml"
  "$PY" hot/run.py --task MultiObjDistill --num_envs 255 --episode_length 60 \
    --cfg_env hot/data/cfg/mano/mano_stage1_precise_track.yaml \
    --cfg_train "$OUT/distill.yaml" \
    --motion_file "$OUT/train" --state_noise_prob 0.2 \
    --enable_obj_keypoints --enable_ig_scale --use_res_action --enable_dof_obs --enable_early_termination \
    --hand_model mano --objnames $NEW $SHIPPED --headless --max_iterations "$EPOCHS" \
    --output_path "$OUT/runs" --experiment mano_15obj_student "${resume[@]}"
fi

if has heldout; then
  for o in $NEW $SHIPPED $UNSEEN; do  # seed 101: grasps, resting poses and targets none of the above saw
    [ -d "$OUT/heldout101/$(lower $o)" ] || "$PY" -m hot.datagen --hand mano --objects "$o" \
      --skills grasp move place --num_grasps 4 --max_candidates 48 --num_stable 8 --max_tries 3 --seed 101 \
      --no_progress --out "$OUT/heldout101" || true
  done
fi

if has eval; then
  CKPT=${CKPT:-$(ls -t "$(ls -td "$OUT/runs/distill/MultiObjDistill/"*_mano_15obj_student* | head -1)"/nn/*.pth | head -1)}
  "$PY" -m hot.eval_table --policies openloop "$CKPT" --dataset "$OUT/heldout101" --objects all \
    --skills grasp move place --hand_model mano --num_envs 16 --out "$OUT/student_heldout101"
fi
