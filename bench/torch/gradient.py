"""PyTorch side of the gradient benchmark: exports each model with a reference batch, and times autograd.

  gradient.py export NAME CACHE_DIR
      Writes NAME.onnx, NAME.input.bin (float32, uniform in [0,1]), NAME.labels.bin (int32, seeded random
      classes), NAME.predictions.bin (int32, argmax of the logits: the attack benchmark's labels),
      NAME.logits.bin and NAME.grad.bin (the input gradient of the summed cross-entropy on `labels`),
      NAME.grad64.bin (the same gradient in float64, '<f8': the yardstick both float32 sides are measured
      against) and NAME.json last, so its presence marks a finished export.
  gradient.py time NAME CACHE_DIR SECONDS [THREADS]
      Rebuilds the model, checks it reproduces the exported gradient, times forward + backward and prints
      one JSON object: {model, batch, threads, iterations, ms_per_batch, images_per_s, other_cpu,
      first_call_ms, rebuild_rel_l2, baseline_rss_mb, peak_rss_mb}.

The model's parameters are frozen (requires_grad False): the benchmark asks for the gradient w.r.t. the
input alone, as our side computes it; with trainable parameters autograd also computes every weight
gradient, which costs this build of torch several times the input gradient on ResNet-50.
"""
import json
import os
import sys
import time

# Debian's torch does its matrix products through the system BLAS; with libopenblas0-pthread that is
# OpenBLAS, whose thread pool is sized when it loads: give it the run's thread count (argument 5 of `time`).
if len(sys.argv) == 6 and sys.argv[1] == 'time':
    os.environ['OPENBLAS_NUM_THREADS'] = sys.argv[5]

import numpy as np
import torch
import torch.nn.functional as F

from timing import THREADS, peak_rss_mb, set_threads, time_calls
from zoo_models import INPUT_SHAPES, OPSET, SEED, build, export_onnx

# name -> batch size the benchmark times (the attack benchmark attacks the same batches)
BATCHES = {'resnet50': 4, 'mobilenet-v1': 8, 'resnet20': 64, 'vit-b-16': 4, 'convnext-t': 4}


def reference_batch(name, num_classes):
    batch = BATCHES[name]
    x = torch.rand((batch, *INPUT_SHAPES[name]), generator=torch.Generator().manual_seed(SEED + 1))
    labels = torch.randint(num_classes, (batch,), generator=torch.Generator().manual_seed(SEED + 2))
    return x, labels


def input_gradient(model, x, labels):
    """Logits and d(sum of cross-entropies)/dx: each example's gradient is that of its own loss."""
    x = x.detach().requires_grad_()
    logits = model(x)
    F.cross_entropy(logits, labels, reduction='sum').backward()
    return logits.detach(), x.grad


def agreement(grad, reference):
    """How far a gradient is from a reference: max |diff| / max |ref| (what one flipped ReLU mask moves),
    ||diff|| / ||ref|| and the cosine (what a wrong rule moves)."""
    g, r = np.asarray(grad, np.float64).ravel(), np.asarray(reference, np.float64).ravel()
    return {'max_rel': float(np.abs(g - r).max() / np.abs(r).max()),
            'rel_l2': float(np.linalg.norm(g - r) / np.linalg.norm(r)),
            'cosine': float(g @ r / (np.linalg.norm(g) * np.linalg.norm(r)))}


def load_model(name):
    model = build(name)
    model.requires_grad_(False)
    return model


def path(cache_dir, name, what):
    return os.path.join(cache_dir, f'{name}.{what}')


def export(name, cache_dir):
    os.makedirs(cache_dir, exist_ok=True)
    model = load_model(name)
    num_classes = model(torch.zeros((1, *INPUT_SHAPES[name]))).shape[1]
    x, labels = reference_batch(name, num_classes)
    export_onnx(model, x, path(cache_dir, name, 'onnx'))
    logits, grad = input_gradient(model, x, labels)
    x.numpy().astype('<f4').tofile(path(cache_dir, name, 'input.bin'))
    labels.numpy().astype('<i4').tofile(path(cache_dir, name, 'labels.bin'))
    logits.argmax(1).numpy().astype('<i4').tofile(path(cache_dir, name, 'predictions.bin'))
    logits.numpy().astype('<f4').tofile(path(cache_dir, name, 'logits.bin'))
    grad.numpy().astype('<f4').tofile(path(cache_dir, name, 'grad.bin'))
    _, grad64 = input_gradient(model.double(), x.double(), labels)
    grad64.numpy().astype('<f8').tofile(path(cache_dir, name, 'grad64.bin'))
    meta = {'model': name, 'input_shape': list(INPUT_SHAPES[name]), 'batch': BATCHES[name], 'num_classes': num_classes,
            'opset': OPSET, 'seed': SEED, 'torch': torch.__version__, 'torch_vs_float64': agreement(grad, grad64)}
    with open(path(cache_dir, name, 'json'), 'w') as f:
        json.dump(meta, f)


def time_gradient(name, cache_dir, seconds, threads=THREADS):
    set_threads(threads)
    baseline = peak_rss_mb()
    model = load_model(name)
    expected = np.fromfile(path(cache_dir, name, 'grad.bin'), dtype='<f4')
    x = torch.from_numpy(np.fromfile(path(cache_dir, name, 'input.bin'), dtype='<f4').reshape(BATCHES[name], *INPUT_SHAPES[name]))
    labels = torch.from_numpy(np.fromfile(path(cache_dir, name, 'labels.bin'), dtype='<i4').astype(np.int64))
    t0 = time.perf_counter()
    _, grad = input_gradient(model, x, labels)
    first_ms = (time.perf_counter() - t0) * 1e3
    # Rebuilding from the seed must give the exported model; a mismatch would time a different one. The
    # relative L2 distance, not the largest one: a ReLU mask that flips with the thread count moves the max.
    rel = agreement(grad, expected)['rel_l2']
    if rel > 1e-2:
        raise SystemExit(f'{name}: rebuilt model gives another gradient than the exported one (relative L2 diff {rel})')
    iterations, ms, other = time_calls(lambda: input_gradient(model, x, labels), seconds)
    batch = BATCHES[name]
    print(json.dumps({'model': name, 'batch': batch, 'threads': threads, 'iterations': iterations, 'ms_per_batch': ms,
                      'images_per_s': batch * 1e3 / ms, 'other_cpu': other, 'first_call_ms': first_ms,
                      'rebuild_rel_l2': rel, 'baseline_rss_mb': baseline, 'peak_rss_mb': peak_rss_mb()}))


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'export':
        export(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (5, 6) and sys.argv[1] == 'time':
        time_gradient(sys.argv[2], sys.argv[3], float(sys.argv[4]), *map(int, sys.argv[5:]))
    else:
        raise SystemExit(__doc__.strip().split('\n\n')[0])
