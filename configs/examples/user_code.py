"""An example of "your own code" for configs/examples/user-code.yaml.

Any Python file works the same way: its phase functions are named in the
config with the category their time is expected to be (accuracy and
overhead), or the whole program is named with `main:` (overhead only).
"""
import json
import sys
import time
import zlib


def score_records(n):
    """Pure Python: a loop of arithmetic and branches."""
    total = 0
    for i in range(n):
        score = (i * 7919) % 1000
        if score > 500:
            total += score
        else:
            total -= 1
    return total


CHUNK = bytes(range(256)) * 4096    # 1 MiB, made once


def compress(n):
    """Native: zlib compresses a 1 MiB buffer n times, in C."""
    size = 0
    for _ in range(n):
        size += len(zlib.compress(CHUNK, 6))
    return size


def wait_for_service(seconds):
    """System: off-CPU, like waiting on a network reply."""
    time.sleep(seconds)


def main(n=300000):
    total = score_records(n)
    text = json.dumps([{"id": i, "score": (i * 7919) % 1000} for i in range(n // 10)])
    compress(len(text) // 200000 + 1)
    wait_for_service(0.05)
    return total, len(text)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300000
    main(n)
