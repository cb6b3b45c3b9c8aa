#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG NPROC [args]
# Works on GPUs (nccl) and, without CUDA, on CPU processes (gloo).
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
# Python: $PYTHON if set; else the activated virtualenv's; else the
# project's .venv (made by `make demo` / `make test`) when it exists; else
# python (python3) from PATH.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$PYTHON" ]; then
    if [ -n "$VIRTUAL_ENV" ] || [ ! -x "$ROOT/.venv/bin/python" ]; then
        PYTHON=$(command -v python || command -v python3 || echo python)
    else
        PYTHON="$ROOT/.venv/bin/python"
    fi
fi

# every path is quoted: config, checkpoint and --work-dir may hold spaces
PYTHONPATH="$ROOT:$PYTHONPATH" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
