"""pure_loop: Python bytecode only, no calls inside the loop (category python)."""


def pure_loop(n):
    s = 0
    for i in range(n):
        s += i
    return s
