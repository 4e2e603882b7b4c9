#!/usr/bin/env bash
# The teachers for clips of the current generator (its object contacts, `python -m hot.datagen --object_solimp`,
# default 0.99 0.999 0.001), end to end on a CPU, as they were made on 2026-12-06:
#   checkpoint/mano/mano_{bottle,box,hammer}_grasp-move-place_stiff.pth, mano_bottle_grasp-move-place_stage2_stiff.pth,
#   checkpoint/allegro/allegro_bottle_grasp-move-place.pth and checkpoint/shadow/shadow_bottle_grasp-move-place.pth.
#   1. data:    training clips with the stiff contacts, not open-loop checked (--open_loop_check none; MANO Box
#               seeds 401/403/405/407, Allegro and Shadow Bottle 411/413/415, the small recipe; 16-60 s per set),
#               beside the shipped (soft-contact) training clips;
#   2. stage_a: 50 epochs at the stiff contacts on the shipped clips, from the teachers shipped before (MANO: those
#               with grasp priors, Bottle and Hammer `_closure`, Box `_closure_free`; Allegro and Shadow: git bcfdb21);
#   3. stage_b: Box, Allegro and Shadow 60 more epochs on the shipped plus the stiff clips (Bottle and Hammer kept
#               stage a: they held more development clips, docs/dev/2026-12-06-session-19.md); Shadow 100 more, then
#               150 with the grasp-closure prior on four more stiff sets (431-437); Box 100 more on four sets made
#               with the open-loop check (441-447); Bottle 50 more with the damped free phase
#               (mano_stage1_closure_free_stiff.yaml; docs/dev/2026-12-06-session-20.md); Bottle stage 2: 100 epochs
#               with mano_stage2_closure_free_stiff.yaml, state noise 0.5 and object scales (session 21).
# The shipped files are these runs' last checkpoints without the optimizer state (hot.learning.checkpoint.slim_checkpoint).
# Steps whose output exists are skipped, so a stopped run resumes where it stopped.
#   OUT=output/stiff bash scripts/stiff_teachers.sh          (about 100 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
OUT=${OUT:-output/stiff}
STEPS=${STEPS:-"data stage_a stage_b"}
CFG=hot/data/cfg
has() { [[ " $STEPS " == *" $1 "* ]]; }
mkdir -p "$OUT/data" "$OUT/start"

gen() {  # hand object num_stable seed [open-loop check: none (default) or the generator's default]
  local dir="$OUT/data/$1_$(echo "$2" | tr '[:upper:]' '[:lower:]')_s$4" check=(--open_loop_check none)
  [ "${5:-none}" = none ] || check=()
  [ -f "$dir/_datagen/$2/done_$1.json" ] || "$PY" -m hot.datagen --hand "$1" --objects "$2" --skills grasp move place \
    --num_grasps 8 --max_candidates 48 --num_stable "$3" --max_tries 3 --seed "$4" --no_progress "${check[@]}" \
    --out "$dir"
}
link_shipped() {  # dataset object dest [skills...]
  local src=$1 obj=$2 dest=$3; shift 3
  mkdir -p "$dest/shipped"
  for s in "$@"; do ln -sfn "$PWD/hot/data/motions/$src/$obj/$s" "$dest/shipped/$s"; done
}
train() {  # name yaml checkpoint hand object motion epochs [state noise, default 0.2] [more flags...]
  local run="$OUT/runs/$1"
  if ls "$run"/ppo/SkillMimicHandRand/*/nn/last_*_ep_"$7"_rew_[0-9]*.pth >/dev/null 2>&1; then return; fi
  "$PY" hot/run.py --task SkillMimicHandRand --num_envs 256 --episode_length 60 --cfg_env "$2" \
    --cfg_train "$CFG/train/rlg/skillmimic_denseobj_cpu.yaml" --motion_file "$6" --state_noise_prob "${8:-0.2}" \
    --enable_obj_keypoints --enable_ig_scale --use_res_action --enable_dof_obs --enable_early_termination \
    --hand_model "$4" --objnames "$5" --headless --max_iterations "$7" --output_path "$run" --experiment "$1" \
    --checkpoint "$3" "${@:9}"
}
last() { ls "$OUT/runs/$1"/ppo/SkillMimicHandRand/*/nn/last_*_ep_"$2"_rew_[0-9]*.pth | tail -1; }

if has data; then
  for s in 401 403 405 407; do gen mano Box 8 "$s"; done
  for s in 411 413 415; do gen allegro Bottle 22 "$s"; gen shadow Bottle 22 "$s"; done
  for o in bottle hammer box; do
    link_shipped dexgrasp_train_mano_gmp "$o" "$OUT/data/mano_$o" grasp_higher_kp move_higher_kp place_higher_kp
  done
  link_shipped dexgrasp_train_mano_gmp bottle "$OUT/data/mano_bottle" freemove_kp
  link_shipped dexgrasp_train_allegro bottle "$OUT/data/allegro_bottle" \
    grasp_higher_kp move_higher_kp place_higher_kp freemove_kp
  for s in 401 403 405 407; do ln -sfn "$PWD/$OUT/data/mano_box_s$s/box" "$OUT/data/mano_box/s$s"; done
  link_shipped dexgrasp_train_shadow bottle "$OUT/data/shadow_bottle" grasp_higher_kp move_higher_kp place_higher_kp
  for h in allegro shadow; do
    for s in 411 413 415; do ln -sfn "$PWD/$OUT/data/${h}_bottle_s$s/bottle" "$OUT/data/${h}_bottle/s$s"; done
  done
  for s in 431 433 435 437; do gen shadow Bottle 22 "$s"; done  # session 20
  for s in 441 443 445 447; do gen mano Box 8 "$s" checked; done
  mkdir -p "$OUT/data/mano_box_d"
  for x in shipped s401 s403 s405 s407; do ln -sfn "$PWD/$OUT/data/mano_box/$x" "$OUT/data/mano_box_d/$x"; done
  for s in 441 443 445 447; do ln -sfn "$PWD/$OUT/data/mano_box_s$s/box" "$OUT/data/mano_box_d/s$s"; done
  mkdir -p "$OUT/data/shadow_bottle_d"
  for x in shipped s411 s413 s415; do ln -sfn "$PWD/$OUT/data/shadow_bottle/$x" "$OUT/data/shadow_bottle_d/$x"; done
  for s in 431 433 435 437; do ln -sfn "$PWD/$OUT/data/shadow_bottle_s$s/bottle" "$OUT/data/shadow_bottle_d/s$s"; done
fi

# the Shadow stages before session 20 ran without the grasp-closure prior that shadow_stage1_precise_track.yaml has now
grep -v "^  closure_bias:" "$CFG/shadow/shadow_stage1_precise_track.yaml" > "$OUT/shadow_no_prior.yaml"

if has stage_a; then
  for h in allegro shadow; do
    [ -f "$OUT/start/${h}_before.pth" ] || git show "bcfdb21:checkpoint/$h/${h}_bottle_grasp-move-place.pth" \
      > "$OUT/start/${h}_before.pth"
  done
  C=checkpoint/mano
  train bottle_a "$CFG/mano/mano_stage1_closure_stiff.yaml" "$C/mano_bottle_grasp-move-place_closure.pth" mano Bottle \
    "$OUT/data/mano_bottle/shipped" 50
  train hammer_a "$CFG/mano/mano_stage1_closure_stiff.yaml" "$C/mano_hammer_grasp-move-place_closure.pth" mano Hammer \
    "$OUT/data/mano_hammer/shipped" 50
  train box_a "$CFG/mano/mano_stage1_closure_free_stiff.yaml" "$C/mano_box_grasp-move-place_closure_free.pth" mano Box \
    "$OUT/data/mano_box/shipped" 50
  train allegro_a "$CFG/allegro/allegro_stage1_closure_free.yaml" "$OUT/start/allegro_before.pth" allegro Bottle \
    "$OUT/data/allegro_bottle/shipped" 50
  train shadow_a "$OUT/shadow_no_prior.yaml" "$OUT/start/shadow_before.pth" shadow Bottle \
    "$OUT/data/shadow_bottle/shipped" 50
fi

if has stage_b; then
  train box_b "$CFG/mano/mano_stage1_closure_free_stiff.yaml" "$(last box_a 50)" mano Box "$OUT/data/mano_box" 60
  train allegro_b "$CFG/allegro/allegro_stage1_closure_free.yaml" "$(last allegro_a 50)" allegro Bottle \
    "$OUT/data/allegro_bottle" 60
  train shadow_b "$OUT/shadow_no_prior.yaml" "$(last shadow_a 50)" shadow Bottle "$OUT/data/shadow_bottle" 60
  train shadow_c "$OUT/shadow_no_prior.yaml" "$(last shadow_b 60)" shadow Bottle "$OUT/data/shadow_bottle" 100
  # session 20: Box 100 more epochs with four open-loop-checked sets; Shadow with the grasp-closure prior
  # (shadow_stage1_precise_track.yaml) on four more stiff training sets
  train box_d "$CFG/mano/mano_stage1_closure_free_stiff.yaml" "$(last box_b 60)" mano Box "$OUT/data/mano_box_d" 100
  # session 20: Bottle 50 more epochs with the damped free phase (closure_free), on the same shipped clips
  train bottle_f "$CFG/mano/mano_stage1_closure_free_stiff.yaml" "$(last bottle_a 50)" mano Bottle \
    "$OUT/data/mano_bottle/shipped" 50
  train shadow_d "$CFG/shadow/shadow_stage1_precise_track.yaml" "$(last shadow_c 100)" shadow Bottle \
    "$OUT/data/shadow_bottle_d" 150
  # session 21: stage 2 at the stiff contacts (state noise 0.5, object-scale randomisation) from the Bottle teacher
  train bottle_stage2 "$CFG/mano/mano_stage2_closure_free_stiff.yaml" "$(last bottle_f 50)" mano Bottle \
    "$OUT/data/mano_bottle/shipped" 100 0.5 --obj_rand_scale
  echo "teachers: Bottle $(last bottle_f 50)"
  echo "          Bottle, stage 2 $(last bottle_stage2 100)"
  echo "          Hammer $(last hammer_a 50)"
  echo "          Box    $(last box_d 100)"
  echo "          Allegro $(last allegro_b 60)"
  echo "          Shadow $(last shadow_d 150)"
fi
