"""sleep: the thread is off-CPU in the kernel for t seconds (category system)."""
import time


def sleep(t):
    time.sleep(t)
