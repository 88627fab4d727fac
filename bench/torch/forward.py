"""PyTorch side of the forward benchmark: times model(x) on the model models.py exported.

Usage: /usr/bin/python3 bench/torch/forward.py NAME CACHE_DIR [SECONDS]
Prints one JSON object: {model, batch, threads, iterations, ms_per_batch, images_per_s, max_abs_diff, other_cpu}.
"""
import json
import os
import sys
import time

import numpy as np
import torch

from models import SPECS, build, reference_input

# The same policy as bench/timing.ts, so that the two figures are comparable.
THREADS = 2
WARMUP = 3
MIN_ITERATIONS = 5


def machine_busy_seconds():
    """CPU seconds the whole machine spent busy so far (Linux /proc/stat; clock ticks are 1/100 s)."""
    with open('/proc/stat') as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / 100


def main(name, cache_dir, seconds):
    torch.set_num_threads(THREADS)
    torch.set_num_interop_threads(1)
    model = build(name)
    x = reference_input(name)
    _, batch = SPECS[name]
    expected = np.fromfile(os.path.join(cache_dir, f'{name}.logits.bin'), dtype='<f4')
    with torch.inference_mode():
        # Rebuilding from the seed must give the exported weights; a mismatch would make the timing
        # compare two different models.
        diff = float(np.abs(model(x).numpy().ravel() - expected).max())
        if diff > 1e-4 * max(1.0, float(np.abs(expected).max())):
            raise SystemExit(f'{name}: rebuilt model differs from the exported one (max |diff| {diff})')
        for _ in range(WARMUP):
            model(x)
        times = []
        busy0, own0 = machine_busy_seconds(), time.process_time()
        start = time.perf_counter()
        while len(times) < MIN_ITERATIONS or time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
        wall = time.perf_counter() - start
        # Share of all cores others used while timing; see OTHER_CPU_LIMIT in bench/timing.ts.
        other = (machine_busy_seconds() - busy0 - (time.process_time() - own0)) / (wall * os.cpu_count())
    # The median resists the odd iteration slowed by something else on the machine.
    ms = float(np.median(times)) * 1e3
    print(json.dumps({'model': name, 'batch': batch, 'threads': THREADS, 'iterations': len(times),
                      'ms_per_batch': ms, 'images_per_s': batch * 1e3 / ms, 'max_abs_diff': diff, 'other_cpu': max(0.0, other)}))


if __name__ == '__main__':
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__.strip().splitlines()[2])
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) == 4 else 10.0)
