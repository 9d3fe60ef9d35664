#!/bin/bash
# estimators.sh [OUT] [--busy]: the overhead-estimator benchmark of
# docs/METHOD.md. Runs configs/estimators.yaml (20 A/A cells and a known 10%
# injected cost, 10 rounds: about 3 minutes on 2 cores) and prints every
# candidate estimator's figures. --busy keeps the other core busy with a
# shell loop for the whole run (the loaded case).
set -u
cd "$(dirname "$0")/../.."
out=${1:-results/estimators-$(date +%Y%m%d-%H%M%S)}
busy=
if [ "${2:-}" = --busy ]; then
    sh -c 'while :; do :; done' &
    busy=$!
    trap 'kill $busy 2>/dev/null' EXIT
fi
./pyprof-bench --quiet --out "$out" configs/estimators.yaml
rc=$?
[ $rc -le 1 ] || exit $rc
./pyprof-bench estimators --pair det-burn:deterministic "$out/results.json"
