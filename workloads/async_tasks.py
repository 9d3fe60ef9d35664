"""async_tasks (workload `asyncio`): an event loop running coroutines in
sequence and concurrently.

Three coroutines, each decorated with pyprof_bench.coroutine_truth so the
worker measures the wall time of every call, awaits included (the task
view; outside pyprof-bench the decorator is the identity):

- compute(n): a pure Python loop that yields to the loop every 100,000
  iterations (python);
- waiter(t): awaits asyncio.sleep(t) (system: the wait);
- netio(chunks, delay): awaits data on a loopback socket pair that a feeding
  task writes `chunks` times, `delay` seconds apart (system: real I/O).

Phase `sequential` awaits them one after the other; phase `concurrent`
gathers them. The thread view is the usual truth of the phases: the time the
loop waits in select() is system time of the main thread.
"""
import asyncio
import socket

try:
    from pyprof_bench import coroutine_truth
except ImportError:          # run outside pyprof-bench
    def coroutine_truth(f):
        return f


@coroutine_truth
async def compute(n):
    s = 0
    for i in range(n):
        s += i
        if i % 100000 == 0:
            await asyncio.sleep(0)
    return s


@coroutine_truth
async def waiter(t):
    await asyncio.sleep(t)


async def _feed(sock, chunks, delay):
    loop = asyncio.get_running_loop()
    block = b"x" * 4096
    for _ in range(chunks):
        await asyncio.sleep(delay)
        await loop.sock_sendall(sock, block)
    sock.shutdown(socket.SHUT_WR)


@coroutine_truth
async def netio(chunks, delay):
    loop = asyncio.get_running_loop()
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    try:
        feeder = asyncio.ensure_future(_feed(b, chunks, delay))
        got = 0
        while True:
            data = await loop.sock_recv(a, 65536)
            if not data:
                break
            got += len(data)
        await feeder
        return got
    finally:
        a.close()
        b.close()


async def _sequential(n, t, chunks, delay):
    await compute(n)
    await waiter(t)
    await netio(chunks, delay)


async def _concurrent(n, t, chunks, delay):
    await asyncio.gather(compute(n), waiter(t), netio(chunks, delay))


def sequential(n, t, chunks, delay):
    asyncio.run(_sequential(n, t, chunks, delay))


def concurrent(n, t, chunks, delay):
    asyncio.run(_concurrent(n, t, chunks, delay))
