"""A workload whose phase raises: the run must fail with the exception's last line."""


def boom(n):
    raise ValueError(f"boom {n}")
