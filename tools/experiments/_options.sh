# Sourced by the shell experiments after their defaults: takes
# --iters N and --seeds S [S ...] from the script's arguments (anywhere
# among them) into ITERS and SEEDS; the other arguments stay in "$@".
_rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --iters) ITERS=$2; shift 2 ;;
    --seeds)
      shift; SEEDS=""
      while [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; do
        SEEDS="$SEEDS $1"; shift
      done
      SEEDS=${SEEDS# } ;;
    *) _rest+=("$1"); shift ;;
  esac
done
set -- "${_rest[@]+"${_rest[@]}"}"
