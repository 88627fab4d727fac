"""Reference models for the forward benchmark, and their export to ONNX.

Both sides of the benchmark must run the same weights. Weights come from a seeded random init, which is
deterministic on CPU, so `build(name)` gives the same model in every process. `export` also stores a
reference input and the logits PyTorch computes for it, so that the other side (and forward.py) can prove
they run the same model before their timings are believed.

Usage: /usr/bin/python3 bench/torch/models.py NAME OUT_DIR
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision

SEED = 0
OPSET = 17  # the newest opset torch 1.13 exports

# name -> (input shape of one example [C, H, W], batch size the benchmark times)
SPECS = {
    'resnet50': ((3, 224, 224), 4),
    'resnet20': ((3, 32, 32), 64),
}


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        # A 1x1 projection where the shape changes (He et al.'s option B) keeps the graph to plain
        # Conv/BN/Add, the ops both runtimes see in the ResNets people actually use.
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class ResNet20(nn.Module):
    """CIFAR ResNet-20: a 3x3 stem, 3 stages of 3 basic blocks (16/32/64 channels), global average pool."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(3):
                blocks.append(BasicBlock(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


def build(name):
    """The model `name` with seeded random weights, in eval mode."""
    torch.manual_seed(SEED)
    if name == 'resnet50':
        model = torchvision.models.resnet50(weights=None)
    elif name == 'resnet20':
        model = ResNet20()
    else:
        raise SystemExit(f'unknown model {name!r}; known: {", ".join(SPECS)}')
    return model.eval()


def reference_input(name):
    """A fixed input in canonical space (float32 NCHW, [0,1]) at the benchmark's batch size."""
    shape, batch = SPECS[name]
    return torch.rand((batch, *shape), generator=torch.Generator().manual_seed(SEED + 1))


def reference_logits(model, name):
    with torch.inference_mode():
        return model(reference_input(name))


def export(name, out_dir):
    """Writes NAME.onnx, NAME.input.bin and NAME.logits.bin (raw little-endian float32) and NAME.json."""
    os.makedirs(out_dir, exist_ok=True)
    model = build(name)
    x = reference_input(name)
    onnx_path = os.path.join(out_dir, f'{name}.onnx')
    torch.onnx.export(model, x, onnx_path, opset_version=OPSET, input_names=['input'],
                      output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    logits = reference_logits(model, name)
    x.numpy().astype('<f4').tofile(os.path.join(out_dir, f'{name}.input.bin'))
    logits.numpy().astype('<f4').tofile(os.path.join(out_dir, f'{name}.logits.bin'))
    shape, batch = SPECS[name]
    meta = {'model': name, 'input_shape': list(shape), 'batch': batch, 'num_classes': logits.shape[1],
            'opset': OPSET, 'seed': SEED, 'torch': torch.__version__}
    # Written last: its presence means the export finished.
    with open(os.path.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(meta, f)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    export(sys.argv[1], sys.argv[2])
