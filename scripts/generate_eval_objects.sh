#!/usr/bin/env bash
# The generator on objects it never trained on (it trained on Bottle, Box, Hammer, Sword): for each object,
# one generated clip per held-out datagen clip (seed 101, dexgrasp_heldout_mano_20obj), both sets tracked by
# the 15-object student, then one summary table. About 1-3 min per object on 2 CPU cores.
#   bash scripts/generate_eval_objects.sh                       # the 15 objects below -> output/generate_eval_objects
#   OBJECTS="Mug Duck" OUT=/tmp/ge bash scripts/generate_eval_objects.sh
# A finished object is skipped when the script is run again (delete its folder to redo it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OBJECTS=${OBJECTS:-"Phone Stapler Duck Mug Ball Bowl Can Disc Drill Figure Knife Pan Pencil Screwdriver Wineglass"}
OUT=${OUT:-output/generate_eval_objects}
HELDOUT=${HELDOUT:-hot/data/motions/dexgrasp_heldout_mano_20obj}
STUDENT=${STUDENT:-checkpoint/mano/mano_15obj_student.pth}
mkdir -p "$OUT"
done_dirs=()
for o in $OBJECTS; do
  if [ ! -f "$OUT/$o/track_datagen_clips.csv" ]; then
    echo "== $o ($(date +%T))"
    "$PY" -m hot.generate.evaluate --heldout "$HELDOUT" --object "$o" --skills grasp move place --seeds 0 1 \
      --extra_objects --teacher "$STUDENT" --work "$OUT/$o" --results "$OUT/${o}_results" "$@" > "$OUT/$o.log" 2>&1 \
      || { echo "   $o failed: see $OUT/$o.log"; continue; }
  fi
  done_dirs+=("$OUT/$o")
done
"$PY" -m hot.generate.summary "${done_dirs[@]}" --out "$OUT/summary" \
  --title "The generator on objects it never trained on, tracked by the 15-object student"
