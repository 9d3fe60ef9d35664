#!/bin/bash
# sampler-cost.sh [N] [OUT] BINARY...: the sampling backend's own cost,
# build against build. Runs configs/sampler-cost.yaml (2 rounds) with each
# BINARY in turn, N times over (default 3), so that every build meets the
# same slow and quiet stretches of a shared machine, then prints the table
# of tests/bench/sampler_cost.py (CPU a thread sample and a round, the
# sleep's share, coverage, AE; medians over the runs). About 20 s a run.
#   tests/bench/sampler-cost.sh 3 /tmp/cost /tmp/pb-old ./pyprof-bench
# Each binary runs its workers from its own file; copy an older build's
# ./pyprof-bench elsewhere before rebuilding.
set -u
cd "$(dirname "$0")/../.."
n=3
case "${1:-}" in [0-9]*) n=$1; shift ;; esac
out=${1:-results/sampler-cost-$(date +%Y%m%d-%H%M%S)}
shift || true
[ $# -ge 1 ] || { echo "usage: $0 [N] [OUT] BINARY..." >&2; exit 2; }
for i in $(seq 1 "$n"); do
    k=0
    for bin in "$@"; do
        k=$((k + 1))
        echo "run $i, build $k ($bin): $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
        "$bin" --rounds 2 --quiet --out "$out/b$k-r$i" configs/sampler-cost.yaml 2>/dev/null
        [ $? -le 1 ] || exit 1
    done
done
echo "end: $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
args=()
k=0
for bin in "$@"; do
    k=$((k + 1))
    args+=("$k:$(basename "$bin")=$out/b$k-r*/results.json")
done
/usr/bin/python3 tests/bench/sampler_cost.py "${args[@]}"
