#!/bin/sh
# venv.sh PYTHON VENV REQUIREMENTS: make VENV from PYTHON (Debian's
# /usr/bin/python3.11, or another interpreter's pythonX.Y: tests/interp-venvs.sh)
# and pip-install every requirement line into it, one
# line at a time. A line that fails does not stop the others: its name and
# pip's last words go to VENV/pb-failed.txt ("NAME==VERSION: reason"), which
# the worker quotes in the skipped rows of that tool. Exit status 0 unless the
# venv itself cannot be made. Nothing is redone while REQUIREMENTS is
# unchanged (VENV/pb-requirements.txt is the copy last installed); delete
# VENV to retry.
py=$1 venv=$2 req=$3
# The venv's own pythonX.Y, the name the worker looks for (harness/venv.c).
pyname=$(basename "$py")
if [ ! -x "$py" ]; then
    echo "deps: $py not found (Debian: apt-get install $pyname $pyname-venv)" >&2
    exit 1
fi
if [ -f "$venv/pb-requirements.txt" ] && cmp -s "$req" "$venv/pb-requirements.txt" &&
   [ -x "$venv/bin/$pyname" ]; then
    [ -s "$venv/pb-failed.txt" ] && sed 's/^/deps: not installed: /' "$venv/pb-failed.txt" >&2
    exit 0
fi
if [ ! -x "$venv/bin/$pyname" ]; then
    echo "deps: creating $venv from $py" >&2
    rm -rf "$venv"
    "$py" -m venv "$venv" || { echo "deps: cannot create $venv with $py -m venv" >&2; exit 1; }
fi
: > "$venv/pb-failed.txt"
log="$venv/pb-pip.log"
: > "$log"
grep -v '^[[:space:]]*#' "$req" | grep -v '^[[:space:]]*$' | while read -r line; do
    echo "deps: pip install $line" >&2
    if ! "$venv/bin/$pyname" -m pip install --disable-pip-version-check -q "$line" \
            >"$log.one" 2>&1; then
        why=$(grep -v '^WARNING: Location' "$log.one" | grep -E 'ERROR|error' | tail -1)
        [ -n "$why" ] || why=$(tail -1 "$log.one")
        echo "$line: ${why:-pip failed}" >> "$venv/pb-failed.txt"
        echo "deps: FAILED $line: $why (the rows that need it will be skipped)" >&2
    fi
    cat "$log.one" >> "$log"
done
rm -f "$log.one"
cp "$req" "$venv/pb-requirements.txt"
exit 0
