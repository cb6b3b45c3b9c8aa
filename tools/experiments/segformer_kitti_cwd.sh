#!/usr/bin/env bash
# Channel-wise distillation in miniature, on 2 CPU cores:
# 1. train an ESSNet-D teacher on the built-in street scenes,
# 2. train the ESSNet-DG2 student with and without channel-wise distillation
#    from that teacher at the same budget, 3 seeds each,
# 3. print mean +- spread of the students' val mIoU.
# Usage: bash tools/experiments/segformer_kitti_cwd.sh [--iters N]
#            [--seeds S ...] [OUT_DIR]
# --iters: the students' iterations (150; the teacher trains twice as long).
# Env: TEACHER_ITERS, STUDENT_ITERS (150), SEEDS ("0 1 2").
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/_python.sh
export PYTHONPATH=$PWD OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY=$PYTHON
ITERS=${STUDENT_ITERS:-150}
SEEDS=${SEEDS:-"0 1 2"}
. tools/experiments/_options.sh
STUDENT_ITERS=$ITERS
TEACHER_ITERS=${TEACHER_ITERS:-$((2 * ITERS))}
OUT=${1:-work_dirs/segformer_kitti_cwd}
DATA=$OUT/street
mkdir -p "$OUT"
[ -f "$DATA/street_scenes.json" ] || $PY tools/misc/generate_street_data.py \
    --out "$DATA" --num-train 100 --num-val 20 > /dev/null
# CPU-sized: 64x128 crops of the scenes at 256x128, validation at 256x128
COMMON=()
for l in train val test; do
  COMMON+=("${l}_dataloader.dataset.data_root=$DATA" "${l}_dataloader.num_workers=0"
           "${l}_dataloader.persistent_workers=False")
done
COMMON+=("model.data_preprocessor.size=(64,128)"
         "train_dataloader.dataset.pipeline.3.scale=(256,128)"
         "train_dataloader.dataset.pipeline.4.crop_size=(64,128)"
         "val_dataloader.dataset.pipeline.1.scale=(256,128)"
         "test_dataloader.dataset.pipeline.1.scale=(256,128)")
sched() {  # iterations -> schedule options
  echo "train_cfg.max_iters=$1 train_cfg.val_interval=$1" \
       "default_hooks.checkpoint.interval=$1 param_scheduler.0.end=$1" \
       "default_hooks.logger.interval=25"
}
T=configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py
S=configs/segformer_kitti/essnet-dg2_ups_1xb4-300i_streetscenes-128x256.py
D=configs/segformer_kitti/essnet-dg2_ups-cwd-essnet-d_1xb4-300i_streetscenes-128x256.py
if [ ! -f "$OUT/teacher/iter_$TEACHER_ITERS.pth" ]; then
  $PY tools/train.py $T --work-dir "$OUT/teacher" --cfg-options \
      "${COMMON[@]}" $(sched $TEACHER_ITERS) > "$OUT/teacher.log" 2>&1
fi
for seed in $SEEDS; do
  for arm in plain cwd; do
    [ -f "$OUT/$arm-$seed/iter_$STUDENT_ITERS.pth" ] && continue
    cfg=$S; extra=()
    if [ $arm = cwd ]; then
      cfg=$D; extra=("model.teacher_checkpoint=$OUT/teacher/iter_$TEACHER_ITERS.pth"
                     "model.teacher_config=$T")
    fi
    $PY tools/train.py $cfg --work-dir "$OUT/$arm-$seed" --cfg-options \
        "${COMMON[@]}" $(sched $STUDENT_ITERS) randomness.seed=$seed \
        "${extra[@]}" > "$OUT/$arm-$seed.log" 2>&1
  done
done
$PY - "$OUT" "$SEEDS" <<'PY'
import glob, json, re, statistics, sys
out, seeds = sys.argv[1], sys.argv[2].split()
def miou(log):
    hits = re.findall(r'mIoU: ([0-9.]+)', open(log).read())
    return float(hits[-1]) if hits else float('nan')
print(f"teacher (ESSNet-D): mIoU {miou(out + '/teacher.log'):.2f}")
for arm in ('plain', 'cwd'):
    v = [miou(f'{out}/{arm}-{s}.log') for s in seeds]
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    print(f"student ESSNet-DG2 {arm:5s}: " + ' '.join(f'{x:.2f}' for x in v)
          + f"  mean {statistics.mean(v):.2f} +- {sd:.2f}")
PY
