"""server: the backend of a small JSON API under a fixed request rate.

An HTTP server (http.server.ThreadingHTTPServer on 127.0.0.1) binds its
socket when the module is imported, before the measured region. The phase
`serve(n, rate)` starts its accept loop in a thread named `acceptor`, each
request is handled in a thread named `handler` (one per connection), and the
calling thread is the load generator: an open-loop client that sends n POST
/stats requests (http.client, one connection each) scheduled `rate` per
second. When every response has arrived the accept loop stops (within
POLL_S) and the handler threads are joined, so every thread of the server
lives inside the phase and has its truth: an accept loop started at import
ran through the region with no truth of its own, and a profiler that
reported its waiting (the sampler did: half of what it saw) was charged
with it as error.

Each request does a little real work in the handler: parse a JSON body of
`values` numbers, compute their mean, variance and the peaks of histograms
of 5 to 640 bins in Python, and answer a small json.dumps of them.

Open loop: request i is due at t0 + i / rate whatever happened before. The
client is one thread, so when a response comes late the next request goes
out late, but its latency is counted from when it was due (the correction
for coordinated omission): a profiler that pauses the process for 50 ms adds
those 50 ms to every request that was due during the pause. Latency is
client side, time.monotonic (CLOCK_MONOTONIC). After the last response the
phase hands the latencies and the window (first due time to last response)
to the harness with pyprof_bench.record_requests; the worker turns them into
the run's lat_p50_s, lat_p99_s, lat_max_s and throughput_rps.

Bounds: at most MAX_REQUESTS requests, each with a socket timeout of
REQUEST_TIMEOUT_S, and the phase gives up (raises) when the window passes
n / rate + SLACK_S. The accept loop stops at the end of every phase and the
socket is closed at exit (atexit), so the worker frees the port.

Where the time goes, for the declarations: the calling thread (the phase)
mostly waits, for its next due time or a response (system); the acceptor
waits in select() for connections (system); the handler threads run the
Python work (python), with their socket I/O around it.

The port is chosen by the kernel (0), or PB_SERVER_PORT when set (the e2e
test uses it to check that the port is free again after the run).
"""
import atexit
import http.client
import http.server
import json
import os
import socketserver
import threading
import time

try:
    from pyprof_bench import record_requests
except ImportError:   # run outside pyprof-bench
    def record_requests(latencies_s, window_s):
        pass

MAX_REQUESTS = 2000
REQUEST_TIMEOUT_S = 5.0
SLACK_S = 10.0
VALUES = 2000        # numbers per request body (about 1.5 ms of work here)
POLL_S = 0.01        # how often the accept loop checks for shutdown


def _stats(values):
    """The request's work: mean, variance and histogram peaks at 5 to 640 bins."""
    n = len(values)
    mean = sum(values) / n
    var = 0.0
    for v in values:
        var += (v - mean) * (v - mean)
    var /= n
    lo, hi = min(values), max(values)
    hists = {}
    for bins in (5, 10, 20, 40, 80, 160, 320, 640):
        width = (hi - lo) / bins or 1.0
        hist = [0] * bins
        for v in values:
            k = int((v - lo) / width)
            hist[k if k < bins else bins - 1] += 1
        hists[bins] = max(hist)
    return {"n": n, "mean": mean, "var": var, "peaks": hists}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            values = json.loads(body)["values"]
            out = json.dumps(_stats(values)).encode()
            code = 200
        except (ValueError, KeyError, TypeError, ZeroDivisionError):
            out, code = b'{"error": "bad request"}', 400
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True    # server_close() joins the handler threads

    def process_request(self, request, client_address):
        # ThreadingMixIn's, with every handler thread named `handler` (one
        # thread key for the truth, not one per request).
        vars(self).setdefault("_threads", socketserver._Threads())
        t = threading.Thread(target=self.process_request_thread,
                             args=(request, client_address), name="handler")
        t.daemon = self.daemon_threads
        self._threads.append(t)
        t.start()


_server = _Server(("127.0.0.1", int(os.environ.get("PB_SERVER_PORT", "0"))), _Handler)
PORT = _server.server_address[1]
atexit.register(_server.server_close)   # the socket closed, handler threads joined


def _start_acceptor():
    t = threading.Thread(target=_server.serve_forever, kwargs={"poll_interval": POLL_S},
                         name="acceptor", daemon=True)
    t.start()
    return t


def _stop_acceptor(t):
    """serve_forever returns (within POLL_S), then every handler thread is
    joined: each thread's truth record is made when it ends, so they must
    end inside the phase."""
    _server.shutdown()
    t.join(REQUEST_TIMEOUT_S)
    threads = vars(_server).get("_threads")
    if threads is not None:
        threads.join()


def _body(i):
    return json.dumps({"values": [((i * 7919 + k * 104729) % 1000) / 10.0
                                  for k in range(VALUES)]}).encode()


def serve(n, rate):
    """Send n requests at rate per second (open loop) and wait for them."""
    if not 0 < n <= MAX_REQUESTS or rate <= 0:
        raise ValueError(f"serve: need 0 < n <= {MAX_REQUESTS} and rate > 0")
    bodies = [_body(i) for i in range(16)]
    acceptor = _start_acceptor()
    try:
        lat, window = _client(n, rate, bodies)
    finally:
        _stop_acceptor(acceptor)
    record_requests(lat, window)
    return len(lat)


def serve_unshimmed(n, rate):
    """serve(), with scalene's replacements of threading and selectors
    undone first (a measurement of where scalene's latency tail comes from,
    configs/server-scalene.yaml). Scalene swaps in versions that wake every
    switch interval (5 ms) to let its signals through: the poll selector of
    the accept loop, Thread.join, threading.Lock (every Thread's Event), and
    Thread.run (registers each thread for its native sampling). Unprofiled,
    or under any other tool, there is nothing to undo and this is serve()."""
    _undo_scalene_shims()
    return serve(n, rate)


def _original_in_closure(func, name):
    """The value a wrapper closed over as `name`, or None."""
    code = getattr(func, "__code__", None)
    if code is None or name not in code.co_freevars or not func.__closure__:
        return None
    return func.__closure__[code.co_freevars.index(name)].cell_contents


def _undo_scalene_shims():
    import _thread
    import selectors
    sel = socketserver._ServerSelector
    if sel.__name__ == "ReplacementPollSelector":
        socketserver._ServerSelector = selectors.PollSelector = sel.__mro__[1]
    if getattr(threading.Lock, "__name__", "") == "ReplacementLock":
        threading.Lock = _thread.allocate_lock
    for attr, orig in (("join", "orig_thread_join"), ("run", "orig_thread_run"),
                       ("start", "orig_thread_start")):
        found = _original_in_closure(getattr(threading.Thread, attr), orig)
        if found is not None:
            setattr(threading.Thread, attr, found)


def _client(n, rate, bodies):
    """The open-loop client: the latencies and the window (first due time
    to last response)."""
    mono = time.monotonic
    lat = []
    t0 = mono()
    deadline = t0 + n / rate + SLACK_S
    for i in range(n):
        due = t0 + i / rate
        now = mono()
        if now < due:
            time.sleep(due - now)
        elif now > deadline:
            raise TimeoutError(f"serve: {i} of {n} requests in {now - t0:.1f} s")
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request("POST", "/stats", body=bodies[i % 16],
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        if resp.status != 200:
            raise RuntimeError(f"serve: HTTP {resp.status}: {data[:100]!r}")
        lat.append(mono() - due)
    return lat, mono() - t0
