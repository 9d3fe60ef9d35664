"""Small, fast phases of each category for end-to-end tests."""
import time


def spin(n):
    s = 0
    for i in range(n):
        s += i
    return s


def native(n):
    return sum(range(n))


def nap(t):
    time.sleep(t)
