"""A workload that kills its own process: the run must fail with SIGABRT."""
import os


def abort_now():
    os.abort()
