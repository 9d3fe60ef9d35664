"""call_heavy: recursive fib, the worst case for tracing profilers.

fib(n) makes 2 * fib(n + 1) - 1 calls, each an event for a profile hook:
fib(33) is 11,405,773 calls, about 0.29 s unprofiled on this machine kind.
"""


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def call_heavy(n):
    return fib(n)
