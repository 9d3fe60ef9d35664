#!/bin/sh
# run-unit.sh [--wrap "CMD ARGS"] BIN...: run each cmocka test program (under
# CMD when given, e.g. valgrind); print one closing line.
wrap=
if [ "$1" = --wrap ]; then wrap=$2; shift 2; fi
pass=0; fail=0
for t in "$@"; do
    if $wrap "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
echo "unit test programs${wrap:+ under ${wrap%% *}}: $pass passed, $fail failed"
[ "$fail" = 0 ]
