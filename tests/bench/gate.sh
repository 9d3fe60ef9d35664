#!/bin/bash
# gate.sh [N] [OUT]: the regression gate's noise benchmark. One baseline run of
# configs/ci.yaml, then N runs of the same code (false alarms: exit 3 is one)
# and N runs of configs/ci-burn.yaml (a real 10% overhead: exit 3 is a catch).
# About 3 minutes per pair of runs on 2 cores (ci.yaml adds rounds to noisy cells).
set -u
cd "$(dirname "$0")/../.."
n=${1:-10}
out=${2:-results/gate-$(date +%Y%m%d-%H%M%S)}
./pyprof-bench --quiet --out "$out/base" configs/ci.yaml || exit 1
alarms=0; caught=0
for i in $(seq 1 "$n"); do
    ./pyprof-bench --quiet --out "$out/same$i" --baseline "$out/base/results.json" \
        configs/ci.yaml 2>>"$out/same.log"
    [ $? = 3 ] && alarms=$((alarms + 1))
    ./pyprof-bench --quiet --out "$out/burn$i" --baseline "$out/base/results.json" \
        configs/ci-burn.yaml 2>>"$out/burn.log"
    [ $? = 3 ] && caught=$((caught + 1))
    echo "after $i: false alarms $alarms, injected 10% caught $caught"
done
echo "false alarms: $alarms/$n; injected regression caught: $caught/$n"
