"""speedscope's file format (https://www.speedscope.app/file-format-schema.json):
shared frames and profiles, "sampled" (stacks of frame indexes with weights)
or "evented" (open and close events at times). Units: seconds,
milliseconds, microseconds, nanoseconds or none (samples count 1 s each)."""
import json

from . import collapsed

UNITS = {"seconds": 1.0, "milliseconds": 1e-3, "microseconds": 1e-6, "nanoseconds": 1e-9,
         "none": 1.0}


def _num(x, what):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or x != x or abs(x) == float("inf"):
        raise ValueError(f"{what} is not a finite number: {x!r}")
    return float(x)


def _stacks(profile, nframes):
    """[(stack of frame indexes root first, seconds)] of one profile."""
    unit = UNITS.get(profile.get("unit", "none"))
    if unit is None:
        raise ValueError(f"unknown unit {profile.get('unit')!r}")
    kind = profile.get("type")
    out = []
    if kind == "sampled":
        samples, weights = profile.get("samples"), profile.get("weights")
        if not isinstance(samples, list) or not isinstance(weights, list) or \
                len(samples) != len(weights):
            raise ValueError("a sampled profile needs samples and weights of one length")
        for st, w in zip(samples, weights):
            if not isinstance(st, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool) and 0 <= i < nframes
                    for i in st):
                raise ValueError(f"a sample is not a list of frame indexes: {st!r}")
            out.append((st, _num(w, "a weight") * unit))
    elif kind == "evented":
        events = profile.get("events")
        if not isinstance(events, list):
            raise ValueError("an evented profile needs events")
        stack, last = [], None
        for e in events:
            if not isinstance(e, dict):
                raise ValueError(f"an event is not an object: {e!r}")
            at = _num(e.get("at"), "an event time") * unit
            fr = e.get("frame")
            if not isinstance(fr, int) or isinstance(fr, bool) or not 0 <= fr < nframes:
                raise ValueError(f"an event names no frame: {e!r}")
            if last is not None and at < last:
                raise ValueError("events go back in time")
            if stack and last is not None:
                out.append((list(stack), at - last))
            last = at
            if e.get("type") == "O":
                stack.append(fr)
            elif e.get("type") == "C":
                if not stack or stack[-1] != fr:
                    raise ValueError(f"a close event does not match the open frame: {e!r}")
                stack.pop()
            else:
                raise ValueError(f"unknown event type {e.get('type')!r}")
    else:
        raise ValueError(f"unknown profile type {kind!r}")
    return out


def rows(data):
    """(total, rows) of the region: on every profile, the frames from the
    region marker down when the marker is there (stacks without it are
    outside the region), every stack otherwise."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"not JSON ({e})") from None
    if not isinstance(doc, dict):
        raise ValueError("not a speedscope file (not an object)")
    frames = (doc.get("shared") or {}).get("frames")
    profiles = doc.get("profiles")
    if not isinstance(frames, list) or not isinstance(profiles, list):
        raise ValueError("not a speedscope file (no shared frames or profiles)")
    info = []
    for f in frames:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            raise ValueError(f"a frame without a name: {f!r}")
        line = f.get("line", 0)
        info.append((str(f.get("file") or ""), f["name"],
                     line if isinstance(line, int) and not isinstance(line, bool) else 0))
    marks = {i for i, f in enumerate(info)
             if f[1] == collapsed.MARK_NAME and f[0].endswith(collapsed.MARK_FILE)}
    agg, total = {}, 0.0
    for tid, profile in enumerate(profiles):
        if not isinstance(profile, dict):
            raise ValueError("a profile is not an object")
        stacks = _stacks(profile, len(info))
        marked = marks and any(i in marks for st, _ in stacks for i in st)
        for st, sec in stacks:
            if marked:
                at = next((k for k, i in enumerate(st) if i in marks), None)
                if at is None:
                    continue
                st = st[at:]
            total += sec
            seen = set()
            for i in st:
                a = agg.setdefault((i, tid), [0.0, 0.0, 0])
                if i not in seen:
                    a[0] += sec
                    seen.add(i)
            if st:
                a = agg[(st[-1], tid)]
                a[1] += sec
                a[2] += 1
    return total, [(info[i][0], info[i][1], info[i][2], tid, a[0], a[1], a[2])
                   for (i, tid), a in agg.items()]
