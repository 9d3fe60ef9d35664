"""A pstats file (cProfile's and profile's dump_stats, `python -m cProfile
-o`): marshal of {(file, line, function): (primitive calls, calls, self
seconds, inclusive seconds, callers)}.

Read by a reader of its own over the subset of marshal a pstats file uses
(dicts, tuples, strings, ints, floats, None, references), never
marshal.loads: every length is checked against the bytes left, so a
malformed file is refused rather than allocating what it claims."""
import struct

from . import collapsed

FLAG_REF = 0x80


class _Reader:
    def __init__(self, data):
        self.data, self.pos, self.refs, self.depth = bytes(data), 0, [], 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("not a pstats file (cut short)")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        return self.take(1)[0]

    def i32(self):
        return struct.unpack("<i", self.take(4))[0]

    def count(self, n, least):
        """n items of at least `least` bytes each must fit in what is left."""
        if n < 0 or n * least > len(self.data) - self.pos:
            raise ValueError("not a pstats file (a length past the end)")
        return n

    def obj(self):
        self.depth += 1
        if self.depth > 32:
            raise ValueError("not a pstats file (nested too deep)")
        code = self.u8()
        flag, t = code & FLAG_REF, chr(code & ~FLAG_REF)
        slot = None
        if flag and t not in ")(":
            slot = len(self.refs)
            self.refs.append(None)
        if t == "N":
            v = None
        elif t == "i":
            v = self.i32()
        elif t == "l":
            n = self.i32()
            digits = struct.unpack("<%dH" % self.count(abs(n), 2), self.take(2 * abs(n)))
            v = sum(d << (15 * i) for i, d in enumerate(digits)) * (-1 if n < 0 else 1)
        elif t == "g":
            v = struct.unpack("<d", self.take(8))[0]
        elif t in "zZ":
            v = self.take(self.u8()).decode("latin-1")
        elif t in "aAtu":
            v = self.take(self.count(self.i32(), 1)).decode(
                "utf-8" if t in "tu" else "latin-1", "surrogatepass")
        elif t in ")(":
            n = self.u8() if t == ")" else self.count(self.i32(), 1)
            if flag:
                slot = len(self.refs)
                self.refs.append(None)
            v = tuple(self.obj() for _ in range(self.count(n, 1)))
        elif t == "{":
            v = {}
            while self.data[self.pos:self.pos + 1] != b"0":
                k = self.obj()
                try:
                    v[k] = self.obj()
                except TypeError:
                    raise ValueError("not a pstats file (a key that is not hashable)") from None
            self.take(1)
        elif t == "r":
            i = self.i32()
            if not 0 <= i < len(self.refs) or self.refs[i] is None:
                raise ValueError("not a pstats file (a bad reference)")
            v = self.refs[i]
        else:
            raise ValueError(f"not a pstats file (marshal type {t!r} is not pstats')")
        if slot is not None:
            self.refs[slot] = v
        self.depth -= 1
        return v


def rows(data):
    """(total, rows): total is the region marker's inclusive time, or None."""
    stats = _Reader(data).obj()
    if not isinstance(stats, dict):
        raise ValueError("not a pstats file (not a dictionary of functions)")
    out = []
    total = None
    for key, value in stats.items():
        if not (isinstance(key, tuple) and len(key) == 3 and isinstance(value, tuple)
                and len(value) == 5):
            raise ValueError(f"not a pstats entry: {key!r}")
        file, line, func = key
        _, calls, self_s, incl_s, _ = value
        if not (isinstance(file, str) and isinstance(func, str) and isinstance(line, int)):
            raise ValueError(f"not a pstats function key: {key!r}")
        for x in (calls, self_s, incl_s):
            if not isinstance(x, (int, float)) or x != x or x < 0 or x == float("inf"):
                raise ValueError(f"bad figures for {func}: {value[:4]!r}")
        out.append((file, func, line, 0, float(incl_s), float(self_s), int(calls)))
        if func == collapsed.MARK_NAME and file.endswith(collapsed.MARK_FILE):
            total = float(incl_s)
    return total, out
