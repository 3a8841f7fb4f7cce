#!/usr/bin/env python3
"""What one durable commit costs on a disk, without ackd: the floor under every 202.

A complaint's commit appends about 15 pages to SQLite's write-ahead log (each a 24-byte
frame header and a 4 KiB page, written in two calls) and then waits for `fdatasync`. This
does the same to a file in DIRECTORY, paced like the traffic of bench-peer (one commit
every 1/RATE seconds), over a log that is already as large as it gets, as ackd's is in
steady state. Run it on the disk that holds ackd's state (`/var/lib/ackd`) to know how
much of ackd's POST-to-reply time that disk takes.

usage: flush_bench.py DIRECTORY [--rate 200] [--count 1000] [--pages 15] [--page-size 4096]
"""
import argparse
import os
import tempfile
import time


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--rate", type=float, default=200.0, help="commits per second")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=15, help="pages per commit")
    parser.add_argument("--page-size", type=int, default=4096)
    args = parser.parse_args()

    log_bytes = 16 << 20  # ackd restarts its log at about 4,000 pages
    frame = 24 + args.page_size
    header, page = os.urandom(24), os.urandom(args.page_size)
    with tempfile.NamedTemporaryFile(dir=args.directory, prefix="flush-bench.") as f:
        fd = f.fileno()
        os.pwrite(fd, b"\0" * log_bytes, 0)
        os.fsync(fd)
        waits, offset = [], 32
        next_at = time.monotonic()
        for _ in range(args.count):
            next_at += 1 / args.rate
            time.sleep(max(0.0, next_at - time.monotonic()))
            if offset + args.pages * frame > log_bytes:
                offset = 32
            for _ in range(args.pages):
                os.pwrite(fd, header, offset)
                os.pwrite(fd, page, offset + 24)
                offset += frame
            started = time.perf_counter()
            os.fdatasync(fd)
            waits.append(time.perf_counter() - started)
    waits.sort()
    print(f"fdatasync after {args.pages} x {args.page_size} B, {args.count} commits at "
          f"{args.rate:g}/s: p50 {percentile(waits, 0.5) * 1e3:.2f} ms, "
          f"p90 {percentile(waits, 0.9) * 1e3:.2f} ms, p99 {percentile(waits, 0.99) * 1e3:.2f} ms, "
          f"max {waits[-1] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
