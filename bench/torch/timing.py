"""The timing policy of bench/timing.ts (and bench/long-timing.ts), for the PyTorch side of a benchmark."""
import os
import resource
import time

import numpy as np
import torch

THREADS = 2
WARMUP = 3
MIN_ITERATIONS = 5


def set_threads(threads=THREADS):
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)


def machine_busy_seconds():
    """CPU seconds the whole machine spent busy so far (Linux /proc/stat; clock ticks are 1/100 s)."""
    with open('/proc/stat') as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / 100


def peak_rss_mb():
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_calls(call, seconds, warmup=WARMUP, min_iterations=MIN_ITERATIONS):
    """Runs `call` `warmup` times untimed, then for `seconds` (at least `min_iterations` calls).
    Returns (iterations, median ms per call, share of all cores other processes used meanwhile)."""
    for _ in range(warmup):
        call()
    times = []
    busy0, own0 = machine_busy_seconds(), time.process_time()
    start = time.perf_counter()
    while len(times) < min_iterations or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    other = (machine_busy_seconds() - busy0 - (time.process_time() - own0)) / (wall * os.cpu_count())
    return len(times), float(np.median(times)) * 1e3, max(0.0, other)
