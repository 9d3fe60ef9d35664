"""builtin_sum: one call into a C builtin that does all the work (category native)."""


def builtin_sum(n):
    return sum(range(n))
