#!/bin/sh
# run-unit.sh [--wrap "CMD ARGS"] [--timeout SECONDS] BIN...: run each cmocka
# test program (under CMD when given, e.g. valgrind; each killed after
# SECONDS when given, so a test that hangs fails instead of stalling CI);
# print one closing line.
wrap=
limit=
while :; do
    case $1 in
        --wrap) wrap=$2; shift 2 ;;
        --timeout) limit=$2; shift 2 ;;
        *) break ;;
    esac
done
pass=0; fail=0
for t in "$@"; do
    ${limit:+timeout --kill-after=10 "$limit"} $wrap "$t"
    rc=$?
    if [ "$rc" = 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        if [ -n "$limit" ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
            echo "FAILED: $t (killed after its $limit s)" >&2
        else
            echo "FAILED: $t" >&2
        fi
    fi
done
echo "unit test programs${wrap:+ under ${wrap%% *}}: $pass passed, $fail failed"
[ "$fail" = 0 ]
