#!/usr/bin/env bash
# The SegFormer KITTI recipe in miniature, on CPU: MiT-B0 with
# the full recipe (class-balanced CE, OHEM, multi-scale training, FCN aux
# head on stage 2, poly with a warm restart) on a KITTI-layout folder made
# from the built-in street scenes resized to KITTI's 1242x375 (plus two
# other KITTI frame sizes), then tools/test.py with and without --tta.
# From scratch (no Cityscapes checkpoint can be downloaded here), 64x192
# crops, batch 2, ITERS iterations: a smoke test of the recipe, not its
# accuracy. Prints mIoU (single scale, TTA) and the TTA cost ratio.
# Usage: bash tools/experiments/segformer_kitti_recipe.sh [--iters N]
#            [--seeds S ...] [OUT_DIR]   (ITERS 200, SEEDS "0"; one run per
#            seed under OUT_DIR/seedS)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/_python.sh
export PYTHONPATH=$PWD OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY=$PYTHON
ITERS=${ITERS:-200}
SEEDS=${SEEDS:-0}
. tools/experiments/_options.sh
OUT=${1:-work_dirs/segformer_kitti_recipe}
NUM_TRAIN=${NUM_TRAIN:-40}
NUM_VAL=${NUM_VAL:-6}
CFG=configs/segformer_kitti/segformer_mit-b0_4xb2-cs-polyr-cb-ohem-ms-aux-40k_kitti-375x1242.py
STREET=$OUT/street
KITTI=$OUT/kitti_semantics
mkdir -p "$OUT"
[ -f "$STREET/street_scenes.json" ] || $PY tools/misc/generate_street_data.py \
    --out "$STREET" --num-train $NUM_TRAIN --num-val $NUM_VAL > /dev/null
if [ ! -d "$KITTI/splits" ]; then
  $PY -c "import sys; from mmseg_efficient.datasets import street_to_kitti_layout as f; \
f(sys.argv[1], sys.argv[2], sizes=[(1242, 375), (1241, 376), (1224, 370)])" "$STREET" "$KITTI"
  $PY tools/dataset_converters/kitti_semantic_split.py "$KITTI" \
      --num-train $NUM_TRAIN --num-val $NUM_VAL --seed 0
fi
OPTS=()
for l in train val test; do
  OPTS+=("${l}_dataloader.dataset.data_root=$KITTI" "${l}_dataloader.num_workers=0"
         "${l}_dataloader.persistent_workers=False")
done
$PY tools/analysis_tools/class_stats.py $CFG --method effective --beta 0.999999 \
    --weights-out "$OUT/class_weight_cb.npy" --cfg-options "${OPTS[@]}" \
    > "$OUT/class_stats.log" 2>&1
half=$((ITERS / 2))
OPTS+=("model.decode_head.loss_decode.class_weight=$OUT/class_weight_cb.npy"
       "model.auxiliary_head.loss_decode.class_weight=$OUT/class_weight_cb.npy"
       "load_from=None" "model.data_preprocessor.size=(64,192)"
       "train_dataloader.dataset.pipeline.4.crop_size=(64,192)"
       "train_dataloader.batch_size=2"
       "optim_wrapper.optimizer.lr=0.0003"
       "param_scheduler.0.periods=[$half,$half]"
       "train_cfg.max_iters=$ITERS" "train_cfg.val_interval=$ITERS"
       "default_hooks.checkpoint.interval=$ITERS" "default_hooks.logger.interval=25")
for seed in $SEEDS; do
RUN=$OUT/seed$seed
mkdir -p "$RUN"
echo "seed $seed ($RUN):"
[ -f "$RUN/train/iter_$ITERS.pth" ] || $PY tools/train.py $CFG \
    --work-dir "$RUN/train" --cfg-options "${OPTS[@]}" randomness.seed=$seed > "$RUN/train.log" 2>&1
s0=$(date +%s.%N)
$PY tools/test.py $CFG "$RUN/train/iter_$ITERS.pth" --work-dir "$RUN/test" \
    --cfg-options "${OPTS[@]}" randomness.seed=$seed > "$RUN/test.log" 2>&1
s1=$(date +%s.%N)
$PY tools/test.py $CFG "$RUN/train/iter_$ITERS.pth" --tta --work-dir \
    "$RUN/test_tta" --cfg-options "${OPTS[@]}" randomness.seed=$seed > "$RUN/test_tta.log" 2>&1
s2=$(date +%s.%N)
$PY - "$RUN" "$s0" "$s1" "$s2" <<'PY'
import re, sys
out, s0, s1, s2 = sys.argv[1], *map(float, sys.argv[2:])
def last(log, key):
    hits = re.findall(key + r': ([0-9.]+)', open(log).read())
    return float(hits[-1]) if hits else float('nan')
def per_img(log):  # mmengine's mean time per test iteration (1 image)
    hits = re.findall(r'Iter\(test\).*(?<!_)time: ([0-9.]+)', open(log).read())
    return float(hits[-1]) if hits else float('nan')
a, b = per_img(out + '/test.log'), per_img(out + '/test_tta.log')
print(f"MiT-B0 full recipe, val frames at native size (1242x375 etc.):")
print(f"  single scale: mIoU {last(out + '/test.log', 'mIoU'):.2f}  "
      f"{a:.2f} s/img   (tools/test.py wall {s1 - s0:.0f} s)")
print(f"  TTA 6 scales x flip: mIoU {last(out + '/test_tta.log', 'mIoU'):.2f}"
      f"  {b:.2f} s/img   (wall {s2 - s1:.0f} s)")
print(f"  TTA cost ratio: {b / a:.1f}x per image (wall {(s2 - s1) / (s1 - s0):.1f}x)")
PY
done
