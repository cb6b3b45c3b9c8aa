#!/usr/bin/env bash
# tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [args]
# (paths with spaces are passed through intact)
set -x
# PYTHON: $PYTHON, the activated virtualenv's, the project's .venv, or PATH's
. "$(dirname "$0")/_python.sh"

PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-4}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
TOOLS="$(dirname "$0")"

# SRUN_ARGS stays unquoted: it holds several srun options
PYTHONPATH="$TOOLS/..:$PYTHONPATH" \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$TOOLS/test.py" "${CONFIG}" "${CHECKPOINT}" --launcher="slurm" "${@:5}"
