"""pprofile (backends/pprofile.c): a Profile that copes with phases whose
caller it never saw, and its line timings as rows."""
import pprofile


class Profile(pprofile.Profile):
    """pprofile.Profile, except that the bottom frame of its stack (a phase:
    its caller, the region runner, was running before pprofile was enabled,
    so pprofile has no entry for it) returns cleanly: pprofile would pop its
    caller's entry and raise IndexError. Its lines are recorded as pprofile
    would; there is no traced call to record."""

    def _real_local_trace(self, frame, event, arg):
        if event != "return":
            return super()._real_local_trace(frame, event, arg)
        try:
            stack, _ = self.stack
            entry = stack[-1]
        except (TypeError, IndexError):
            return None
        if len(stack) > 1:
            return super()._real_local_trace(frame, event, arg)
        now = pprofile.time()
        self._getFileTiming(frame).hit(frame.f_code, entry[2], now - entry[3] + entry[4])
        stack.pop()
        return self._local_trace


def rows(prof, statistical):
    """[(file, function, first line, seconds, hits)] per code object."""
    agg, hits_total = {}, 0
    for fts in prof.file_dict.values():
        for ft in (fts if isinstance(fts, list) else [fts]):
            for code_dict in ft.line_dict.values():
                for code, (hits, dur) in code_dict.items():
                    k = (code.co_filename, code.co_name, code.co_firstlineno)
                    a = agg.setdefault(k, [0, 0.0])
                    a[0] += hits
                    a[1] += dur
                    hits_total += hits
    if statistical:
        scale = prof.total_time / hits_total if hits_total else 0.0
        for a in agg.values():
            a[1] = a[0] * scale
    return [(k[0], k[1], k[2], float(a[1]), int(a[0])) for k, a in agg.items()]
