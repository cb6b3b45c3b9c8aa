#!/usr/bin/env bash
# NDNet's claim in miniature: narrower, deeper NDNets lose little
# accuracy for fewer parameters and run slower per MAC.
#   1. NDNet29 / 45 / 61 + FCN32 on the built-in street scenes, 3 seeds each,
#      same budget (300 iterations by default, batch 4, 128x256 crops; the recipe of
#      configs/_base_/schedules/ndnet_sgd-300i_streetscenes.py), trained with
#      tools/train.py and evaluated with tools/test.py (30 val scenes);
#   2. CPU latency at 512x1024 of the three plus mmseg's Fast-SCNN and ERFNet
#      from one tools/analysis_tools/benchmark.py run (2 threads).
# Usage: bash tools/experiments/ndnet_depth_width.sh [--iters N]
#            [--seeds S ...] [OUT_DIR]   (repo root)
# Env: SEEDS ("0 1 2"), ITERS (300), DEPTHS ("29 45 61"), SKIP_TRAIN=1,
# SKIP_BENCH=1.
set -euo pipefail
. "$(dirname "$0")/../_python.sh"
PY=$PYTHON
SEEDS=${SEEDS:-"0 1 2"}
ITERS=${ITERS:-300}
. "$(dirname "$0")/_options.sh"
OUT=${1:-/tmp/ndnet/exp}
DATA=$OUT/street
# the recipe's schedule scaled to ITERS (milestones at 7/16 and 3/4)
SCHED="train_cfg.max_iters=$ITERS param_scheduler.0.end=$ITERS default_hooks.checkpoint.interval=$ITERS param_scheduler.0.milestones=[$((ITERS * 7 / 16)),$((ITERS * 3 / 4))]"
DEPTHS=${DEPTHS:-"29 45 61"}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$OUT"
if [ ! -d "$DATA/leftImg8bit/val" ]; then
  $PY tools/misc/generate_street_data.py --out "$DATA" --num-train 200 \
    --num-val 30
fi
ROOT_OPTS="train_dataloader.dataset.data_root=$DATA val_dataloader.dataset.data_root=$DATA test_dataloader.dataset.data_root=$DATA"
if [ -z "${SKIP_TRAIN:-}" ]; then
  for seed in $SEEDS; do
    for d in $DEPTHS; do
      cfg=configs/ndnet/fcn32_ndnet${d}_1xb4-300i_streetscenes-128x256.py
      wd=$OUT/ndnet${d}_seed${seed}
      [ -f "$wd/test.log" ] && grep -q "mIoU:" "$wd/test.log" && continue
      echo "[$(date +%T)] train ndnet$d seed $seed"
      # validation only through tools/test.py below
      $PY tools/train.py "$cfg" --work-dir "$wd" --cfg-options $ROOT_OPTS \
        randomness.seed=$seed train_cfg.val_begin=100000 $SCHED \
        > "$wd.train.log" 2>&1
      $PY tools/test.py "$cfg" "$wd/iter_$ITERS.pth" --work-dir "$wd" \
        --cfg-options $ROOT_OPTS > "$wd/test.log" 2>&1
      grep -o "mIoU: [0-9.]*" "$wd/test.log" | tail -1
    done
  done
  # mean +- spread (half the max-min range) per depth
  $PY - "$OUT" $DEPTHS <<'PY'
import glob, re, statistics, sys
out, depths = sys.argv[1], sys.argv[2:]
for d in depths:
    vals = []
    for log in sorted(glob.glob(f'{out}/ndnet{d}_seed*/test.log')):
        m = re.findall(r'mIoU: ([0-9.]+)', open(log).read())
        if m:
            vals.append(float(m[-1]))
    if vals:
        mean = statistics.mean(vals)
        spread = (max(vals) - min(vals)) / 2
        print(f'NDNet{d}: mIoU {mean:.2f} +- {spread:.2f} '
              f'(n={len(vals)}: {", ".join(f"{v:.2f}" for v in vals)})')
PY
fi
if [ -z "${SKIP_BENCH:-}" ]; then
  $PY tools/analysis_tools/benchmark.py \
    configs/ndnet/fcn32_ndnet29_1xb16-80k_cityscapes-1024x1024.py \
    configs/ndnet/fcn32_ndnet45_1xb16-80k_cityscapes-1024x1024.py \
    configs/ndnet/fcn32_ndnet61_1xb16-80k_cityscapes-1024x1024.py \
    mmseg::fastscnn/fast_scnn_8xb4-160k_cityscapes-512x1024.py \
    mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py \
    --shape 512 1024 --device cpu --threads 2 --warmup 3 --iters 10 --out "$OUT/benchmark.json" \
    2>&1 | tee "$OUT/benchmark.log"
fi
