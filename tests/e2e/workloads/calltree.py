"""A known call tree for the tracing backends' exact counts.

tree(): calls a() 3 times; a() calls b() 2 times; b() calls len() once;
rec(5) recurses 5 levels below itself; gen() is a generator resumed 4 times;
catcher() calls thrower() 3 times, each raising and being caught.
"""


def b():
    return len("abc")


def a():
    b()
    b()


def rec(n):
    if n:
        rec(n - 1)


def gen():
    for i in range(3):
        yield i


def thrower():
    raise KeyError("x")


def catcher():
    for _ in range(3):
        try:
            thrower()
        except KeyError:
            pass


def tree():
    for _ in range(3):
        a()
    rec(5)
    for _ in gen():
        pass
    catcher()
