"""A workload that never ends: the run must fail with a timeout."""
import time


def forever():
    while True:
        time.sleep(0.05)
