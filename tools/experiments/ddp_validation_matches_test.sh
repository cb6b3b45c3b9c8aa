#!/usr/bin/env bash
# 2-process CPU training validates exactly as the saved checkpoint tests:
#   1. 16 train / 10 val built-in street scenes at 256x128,
#   2. tools/dist_train.sh with 2 processes (gloo, per-process BN): ESSNet-D
#      demo config, ITERS iterations, batch 2, validation at the end,
#   3. tools/dist_test.sh (2 processes) and tools/test.py (1 process) on the
#      saved checkpoint,
# then prints the three aAcc / mIoU lines per seed (they must be equal).
# Usage: bash tools/experiments/ddp_validation_matches_test.sh [--iters N]
#            [--seeds S ...] [OUT_DIR]   (repo root)
# Env: ITERS (40), SEEDS ("0"), PORT (29517), PYTHON.
set -euo pipefail
. "$(dirname "$0")/../_python.sh"
export PYTHON
ITERS=${ITERS:-40}
SEEDS=${SEEDS:-"0"}
. "$(dirname "$0")/_options.sh"
OUT=${1:-/tmp/ddp_val}
export PORT=${PORT:-29517}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
CFG=configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py
DATA=$OUT/street
WORK=$OUT/work
mkdir -p "$OUT"
if [ ! -d "$DATA/leftImg8bit/val" ]; then
    "$PYTHON" tools/misc/generate_street_data.py --out "$DATA" \
        --num-train 16 --num-val 10 --width 256 --height 128 \
        > "$OUT/generate.log"
fi
OPTS=(train_cfg.max_iters="$ITERS" train_cfg.val_interval="$ITERS"
      param_scheduler.0.end="$ITERS"
      default_hooks.checkpoint.interval="$ITERS"
      train_dataloader.batch_size=2)
for loader in train_dataloader val_dataloader test_dataloader; do
    OPTS+=("$loader.dataset.data_root=$DATA" "$loader.num_workers=0"
           "$loader.persistent_workers=False")
done
for SEED in $SEEDS; do
    mkdir -p "$OUT/seed$SEED"
    echo "seed $SEED:"
    bash tools/dist_train.sh "$CFG" 2 --work-dir "$WORK/seed$SEED" \
        --cfg-options "${OPTS[@]}" randomness.seed="$SEED" > "$OUT/seed$SEED/train.log" 2>&1
    bash tools/dist_test.sh "$CFG" "$WORK/seed$SEED/iter_$ITERS.pth" 2 \
        --work-dir "$OUT/seed$SEED/test2" --cfg-options "${OPTS[@]}" randomness.seed="$SEED" \
        > "$OUT/seed$SEED/test2.log" 2>&1
    PYTHONPATH="$PWD:${PYTHONPATH:-}" "$PYTHON" tools/test.py "$CFG" \
        "$WORK/seed$SEED/iter_$ITERS.pth" --work-dir "$OUT/seed$SEED/test1" \
        --cfg-options "${OPTS[@]}" randomness.seed="$SEED" > "$OUT/seed$SEED/test1.log" 2>&1
    echo "2-process validation: $(grep 'Iter(val)' "$OUT/seed$SEED/train.log" | tail -1 \
        | grep -o 'aAcc.*mAcc: [0-9.]*')"
    echo "dist_test.sh, 2:      $(grep 'Iter(test)' "$OUT/seed$SEED/test2.log" | tail -1 \
        | grep -o 'aAcc.*mAcc: [0-9.]*')"
    echo "tools/test.py, 1:     $(grep 'Iter(test)' "$OUT/seed$SEED/test1.log" | tail -1 \
        | grep -o 'aAcc.*mAcc: [0-9.]*')"
done
