#!/bin/sh
# Reads a sanitizer report (stdin or files) printed with symbolize=0, the
# default of `make SANITIZE=...` (see the Makefile), and appends to each
# frame "(MODULE+0xOFFSET)" its function, file and line from addr2line.
# Usage: tests/san-symbolize.sh < report.txt
set -eu
cat "$@" | while IFS= read -r line; do
    frame=$(printf '%s\n' "$line" | sed -n 's/.*(\(\/[^+()]*\)+\(0x[0-9a-f]*\)).*/\1 \2/p')
    if [ -n "$frame" ]; then
        set -- $frame
        # the frame is a return address: the call is the byte before it
        where=$(addr2line -f -C -i -p -e "$1" "$(printf '0x%x' $(($2 - 1)))" 2>/dev/null || true)
        printf '%s  %s\n' "$line" "${where:-?}"
    else
        printf '%s\n' "$line"
    fi
done
