"""PyTorch side of the attack benchmark: C&W-L2 and PGD written plainly in torch, timed on a model
gradient.py exported, attacking its reference batch labelled with the model's own predictions.

Usage: /usr/bin/python3 bench/torch/attacks.py NAME CACHE_DIR ATTACK PARAMS_JSON SECONDS THREADS
ATTACK is cw-l2 or pgd; PARAMS_JSON holds our attack's resolved parameters (bench/attacks.ts passes them),
of which C&W reads c, kappa, lr, iterations and PGD eps, relStep, iterations.
Prints one JSON object: {runs, ms_per_run, iterations, example_iterations_per_s, success_rate, other_cpu,
peak_rss_mb}.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from gradient import BATCHES, load_model
from timing import WARMUP, peak_rss_mb, set_threads, time_calls
from zoo_models import INPUT_SHAPES

# Carlini & Wagner's squeeze that keeps arctanh finite at 0 and 1, as src/attacks/cw-l2.ts
TANH_SQUEEZE = 0.999999


def margin(logits, labels, kappa):
    """max(0, Z_y - max_{j != y} Z_j + kappa) per example, and the best other logit."""
    onehot = F.one_hot(labels, logits.shape[1]).bool()
    real = logits[onehot]
    other = logits.masked_fill(onehot, float('-inf')).amax(1)
    return (real - other + kappa).clamp(min=0), real, other


def cw_l2(model, x, labels, c, kappa, lr, iterations):
    """One constant c: Adam in tanh space on ||x' - x||^2 + c * margin; keeps each example's smallest-L2
    iterate that was adversarial with kappa (as ours evaluates every iterate), then re-classifies it."""
    w = torch.atanh((2 * x - 1) * TANH_SQUEEZE).requires_grad_()
    optimizer = torch.optim.Adam([w], lr=lr)
    best = x.clone()
    best_l2 = torch.full((x.shape[0],), float('inf'))
    for _ in range(iterations):
        adv = (torch.tanh(w) + 1) / 2
        logits = model(adv)
        loss_margin, real, other = margin(logits, labels, kappa)
        l2 = (adv - x).pow(2).flatten(1).sum(1)
        optimizer.zero_grad()
        (l2 + c * loss_margin).sum().backward()
        with torch.no_grad():
            better = (other > real + kappa) & (l2 < best_l2)
            best_l2 = torch.where(better, l2, best_l2)
            best[better] = adv[better]
        optimizer.step()
    with torch.no_grad():
        found = best_l2 < float('inf')
        return found & (model(best).argmax(1) != labels)


def pgd(model, x, labels, eps, step, iterations, generator):
    """L-inf PGD from a uniform random start in the ball: signed-gradient ascent on the summed cross-entropy,
    projected to the ball and the box after every step; the last iterate is re-classified."""
    adv = (x + eps * (2 * torch.rand(x.shape, generator=generator) - 1)).clamp(0, 1)
    lo, hi = (x - eps).clamp(min=0), (x + eps).clamp(max=1)
    for _ in range(iterations):
        adv.requires_grad_()
        grad, = torch.autograd.grad(F.cross_entropy(model(adv), labels, reduction='sum'), adv)
        adv = torch.min(torch.max(adv.detach() + step * grad.sign(), lo), hi)
    with torch.no_grad():
        return model(adv).argmax(1) != labels


def main(name, cache_dir, attack, params, seconds, threads):
    set_threads(threads)
    model = load_model(name)
    batch = BATCHES[name]
    x = torch.from_numpy(np.fromfile(os.path.join(cache_dir, f'{name}.input.bin'), dtype='<f4').reshape(batch, *INPUT_SHAPES[name]))
    labels = torch.from_numpy(np.fromfile(os.path.join(cache_dir, f'{name}.predictions.bin'), dtype='<i4').astype(np.int64))
    if attack == 'cw-l2':
        iterations = int(params['iterations'])
        run = lambda: cw_l2(model, x, labels, params['c'], params['kappa'], params['lr'], iterations)
        head = lambda z: margin(z, labels, params['kappa'])[0].sum()
    elif attack == 'pgd':
        iterations = int(params['iterations'])
        generator = torch.Generator().manual_seed(0)
        run = lambda: pgd(model, x, labels, params['eps'], params['relStep'] * params['eps'], iterations, generator)
        head = lambda z: F.cross_entropy(z, labels, reduction='sum')
    else:
        raise SystemExit(f'unknown attack {attack!r}; known: cw-l2, pgd')
    # Warm-up as our side does it: gradient calls of the attack's loss head and one forward pass.
    for _ in range(WARMUP):
        xw = x.clone().requires_grad_()
        torch.autograd.grad(head(model(xw)), xw)
    with torch.no_grad():
        model(x)
    last = {}
    def timed():
        last['success'] = run()
    runs, ms, other = time_calls(timed, seconds, warmup=0, min_iterations=1)
    print(json.dumps({'runs': runs, 'ms_per_run': ms, 'iterations': iterations,
                      'example_iterations_per_s': batch * iterations * 1e3 / ms,
                      'success_rate': float(last['success'].float().mean()), 'other_cpu': other, 'peak_rss_mb': peak_rss_mb()}))


if __name__ == '__main__':
    if len(sys.argv) != 7:
        raise SystemExit(__doc__.strip().splitlines()[3])
    main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]))
