"""io_bound (workload `io`): time spent in the kernel, on-CPU and off-CPU.

write_read writes a file of `mb` megabytes in 1 MB blocks and reads it back;
on a tmpfs (/dev/shm when present) every byte stays in the page cache, so
the time is kernel CPU (copying pages and allocating them), with no disk
wait. pipe_read reads a pipe that a child process feeds slowly (`chunks`
writes `delay` seconds apart): the reader is blocked, off-CPU, almost all
the time. Both phases are `system`: their user-mode part is the C code
making the system calls.
"""
import os
import subprocess
import sys
import tempfile

BLOCK = b"\x5a" * (1 << 20)
_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) \
    else tempfile.gettempdir()

# The feeding child: a plain interpreter without site (fast to start).
_FEEDER = ("import os, sys, time\n"
           "n, d = int(sys.argv[1]), float(sys.argv[2])\n"
           "for _ in range(n):\n"
           "    time.sleep(d)\n"
           "    os.write(1, b'x' * 4096)\n")


def write_read(mb):
    fd, path = tempfile.mkstemp(prefix="pyprof-bench-io-", dir=_DIR)
    try:
        for _ in range(mb):
            os.write(fd, BLOCK)
        os.lseek(fd, 0, os.SEEK_SET)
        total = 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            total += len(b)
    finally:
        os.close(fd)
        os.unlink(path)
    return total


def pipe_read(chunks, delay):
    p = subprocess.Popen([sys.executable, "-S", "-c", _FEEDER, str(chunks), str(delay)],
                         stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    total = 0
    fd = p.stdout.fileno()
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        total += len(b)
    p.stdout.close()
    p.wait()
    return total
