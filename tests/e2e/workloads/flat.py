"""Phases whose work is in helper functions, for flat-profile mapping.

phase_one calls helper_a, phase_two calls helper_b: a flat profile (one
entry per function, its own time) names only the helpers, and the reach map
credits them to their phase. phase_shared_a and phase_shared_b both call
shared: its seconds cannot be split between them (FAE n/a). phase_threaded
runs threaded() in a thread it starts (the recorder follows the thread).
"""
import threading


def helper_a(n):
    s = 0
    for i in range(n):
        s += i
    return s


def helper_b(n):
    s = 0
    for i in range(n):
        s += i * 2
    return s


def shared(n):
    s = 0
    for i in range(n):
        s ^= i
    return s


def threaded(n):
    return helper_b(n)


def phase_one(n):
    return helper_a(n)


def phase_two(n):
    return helper_b(n)


def phase_shared_a(n):
    return shared(n)


def phase_shared_b(n):
    return shared(n)


def phase_threaded(n):
    t = threading.Thread(target=threaded, args=(n,), name="helper")
    t.start()
    t.join()
