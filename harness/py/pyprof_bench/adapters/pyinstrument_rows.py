"""pyinstrument (backends/pyinstrument.c): a session's frame records as
rows."""


def rows(session):
    """[(file, function, line, inclusive, self, leaf samples)]: a frame's
    inclusive time is the time of the records whose stack holds it (once per
    record, so recursion counts once), its self time that of the records
    where it is the leaf."""
    agg = {}
    for stack, t in session.frame_records:
        seen = set()
        for fi in stack:
            ident = fi.split("\x01", 1)[0]
            a = agg.get(ident)
            if a is None:
                a = agg[ident] = [0.0, 0.0, 0]
            if ident not in seen:
                a[0] += t
                seen.add(ident)
        if stack:
            a = agg[stack[-1].split("\x01", 1)[0]]
            a[1] += t
            a[2] += 1
    out = []
    for ident, (inc, slf, n) in agg.items():
        parts = ident.split("\x00")
        name = parts[0]
        path = parts[1] if len(parts) > 1 else ""
        line = parts[2] if len(parts) > 2 and path != "<thread>" else ""
        line = int(line) if line.isdigit() else 0
        out.append((path, name, line, inc, slf, n))
    return out
