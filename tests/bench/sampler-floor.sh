#!/bin/sh
# sampler-floor.sh [ARGS]: build and run tests/bench/sampler_floor.c, the
# costs this machine puts under any in-process sampler's CPU a sample (a
# 1 ms sleep and wake-up, a read of another thread's CPU clock, a
# process_vm_readv, a bare system call), timed alone, without Python.
# About 15 s. ARGS go to the program (-n SLEEPS, -c CALLS). Compare its
# sleep line with the sampling backend's note ("sleeping and waking N us a
# sample") and its per-thread lines with `sampler_cpu_per_sample_s` of
# configs/sampler-cost.yaml (docs/BACKENDS.md "What the machine charges").
set -eu
cd "$(dirname "$0")/../.."
mkdir -p build/bench
${CC:-cc} -O2 -Wall -Wextra -std=c11 -o build/bench/sampler-floor tests/bench/sampler_floor.c -lpthread
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exec build/bench/sampler-floor "$@"
