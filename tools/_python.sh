# Sourced by the shell tools: the project's interpreter rule. Sets PYTHON to
# $PYTHON if set; else the activated virtualenv's python; else the project's
# .venv (made by `make demo` / `make test`) when it exists; else python
# (python3) from PATH.
_MMSEG_EFFICIENT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
    if [ -n "${VIRTUAL_ENV:-}" ] || \
            [ ! -x "$_MMSEG_EFFICIENT_ROOT/.venv/bin/python" ]; then
        PYTHON=$(command -v python || command -v python3 || echo python)
    else
        PYTHON="$_MMSEG_EFFICIENT_ROOT/.venv/bin/python"
    fi
fi
