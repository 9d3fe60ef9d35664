#!/bin/sh
# interp-venvs.sh PINNED_XY VENV REQUIREMENTS: the profilers' virtual
# environment of every other interpreter present, VENV-X.Y (build/venv-3.12
# beside the pinned build/venv; harness/interpreter.h), made by
# tests/venv.sh from the same REQUIREMENTS (a line that fails for one
# interpreter makes only that interpreter's rows of the tool skipped, with
# pip's reason). Interpreters are looked for in pyenv (PYENV_ROOT, default
# ~/.pyenv: versions/X.Y.Z/bin/pythonX.Y, the newest X.Y.Z) for X.Y in
# PB_INTERPRETERS (default 3.11 3.12 3.13 but the pinned one: those
# configs/interpreters.yaml runs;
# the whole requirements file takes about 3 minutes of pip per interpreter
# here, so 3.9 and 3.10 are on request: PB_INTERPRETERS="3.9 3.10 3.12 3.13").
# A missing interpreter is said and skipped: this never fails, so `make
# deps` works without pyenv.
pinned=$1 venv=$2 req=$3
root=${PYENV_ROOT:-$HOME/.pyenv}
for xy in ${PB_INTERPRETERS:-3.11 3.12 3.13}; do
    [ "$xy" = "$pinned" ] && continue
    py=$(ls -d "$root/versions/$xy".*/bin/"python$xy" 2>/dev/null | sort -V | tail -1)
    if [ -z "$py" ]; then
        echo "deps: no python$xy in $root/versions: its rows will be skipped" >&2
        continue
    fi
    sh "$(dirname "$0")/venv.sh" "$py" "$venv-$xy" "$req" ||
        echo "deps: no venv for python$xy: its tools' rows will be skipped" >&2
done
exit 0
