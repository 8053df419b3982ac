#!/usr/bin/env python3
"""bench/gil/gil_bench.py - the classroom's efficiency test in Python, beside the C one.

The same tasks as labs/09-gil-benchmark/gil_bench.c - count the primes below N by trial
division (cpu), and REQUESTS exchanges with a peer process that answers after D ms (io) -
run serially, in threads and in processes (fork). CPython's threads share one global
interpreter lock, so the cpu task gains nothing from them; the io task does, because a
thread waiting in recv() has let go of the GIL.

Usage: gil_bench.py [-w WORKERS] [-n LIMIT] [-r REQUESTS] [-d MS]
Prints CSV rows "python cpu,MODE,SECONDS" and "python io,MODE,SECONDS" (bench/README.md).
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

MSG = struct.Struct("q")


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def cpu_task(limit):
    return sum(1 for n in range(limit) if is_prime(n))


def io_task(sock, me, requests):
    total = 0
    for r in range(requests):
        sock.send(MSG.pack(me * requests + r))
        total += MSG.unpack(sock.recv(MSG.size))[0]
    return total


def peer(sock, delay):
    while True:
        data = sock.recv(MSG.size)
        if not data:
            return
        time.sleep(delay)
        sock.send(MSG.pack(2 * MSG.unpack(data)[0] + 1))


def run(mode, task, workers):
    """Run task(i) for each worker i in the given mode; return (seconds, results)."""
    results = [None] * workers
    start = time.monotonic()
    if mode == "serial":
        for i in range(workers):
            results[i] = task(i)
    elif mode == "threads":
        def body(i):
            results[i] = task(i)
        threads = [threading.Thread(target=body, args=(i,)) for i in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:  # processes: fork one child per task, results back through a pipe
        rfd, wfd = os.pipe()
        pids = []
        for i in range(workers):
            pid = os.fork()
            if pid == 0:
                os.close(rfd)
                os.write(wfd, struct.pack("qq", i, task(i)))
                os._exit(0)
            pids.append(pid)
        os.close(wfd)
        with os.fdopen(rfd, "rb") as f:
            for _ in range(workers):
                i, value = struct.unpack("qq", f.read(16))
                results[i] = value
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            if status != 0:
                sys.exit(f"gil_bench.py: worker {pid} failed (status {status})")
    return time.monotonic() - start, results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-w", type=int, default=10, help="workers (default 10)")
    ap.add_argument("-n", type=int, default=100000, help="cpu: primes below N (default 100000)")
    ap.add_argument("-r", type=int, default=10, help="io: requests per worker (default 10)")
    ap.add_argument("-d", type=int, default=10, help="io: the peer's delay in ms (default 10)")
    a = ap.parse_args()
    if not (1 <= a.w <= 64 and a.n >= 1 and a.r >= 1 and a.d >= 0):
        ap.error("out-of-range option")

    socks, peers = [], []
    for _ in range(a.w):
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            mine.close()
            for s in socks:
                s.close()
            peer(theirs, a.d / 1000)
            os._exit(0)
        theirs.close()
        socks.append(mine)
        peers.append(pid)

    tasks = {"cpu": lambda i: cpu_task(a.n), "io": lambda i: io_task(socks[i], i, a.r)}
    for name, task in tasks.items():
        first = None
        for mode in ("serial", "threads", "processes"):
            secs, results = run(mode, task, a.w)
            if first is None:
                first = results
            elif results != first:
                sys.exit(f"gil_bench.py: {name} task: {mode} computed other results")
            print(f"python {name},{mode},{secs:.6f}", flush=True)

    for s in socks:
        s.close()
    for pid in peers:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
