"""A phase that fails with a long message, and one that spends its time in C
while declared python: the table must show the whole reason, and warn that
the declaration looks wrong."""
import csv
import io


def fail_long(n):
    raise RuntimeError("this message is long on purpose: " + " ".join(
        f"word{i}" for i in range(n)) + " END-OF-REASON")


def parse_csv(rows):
    """csv.reader is C: a phase declared python that is really native."""
    text = "\n".join(",".join(str(i * j) for j in range(20)) for i in range(rows))
    total = 0
    for _ in range(3):
        for row in csv.reader(io.StringIO(text)):
            total += len(row)
    return total
