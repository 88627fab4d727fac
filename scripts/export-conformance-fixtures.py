"""Builds the exporter-conformance fixtures in test/conformance/fixtures (committed) or full-size exports.

Small configurations of the torchvision families (seeded weights, 32x32 inputs, 10 classes) are exported with
this machine's PyTorch (`torch.onnx.export`) at opsets 11, 13, 14 and 17, each with a dynamic and a fixed batch
axis (gzipped), beside PyTorch's own logits and input gradient for a fixed batch: the gradient of the summed
cross-entropy loss for fixed labels, what robustscope's cross-entropy head differentiates.
test/conformance/exporters.test.ts checks robustscope against every one.

    /usr/bin/python3 scripts/export-conformance-fixtures.py             # the small fixtures (a few MB)
    /usr/bin/python3 scripts/export-conformance-fixtures.py --full DIR  # full-size ViT-B/16, Swin-T,
                                                                       # ConvNeXt-T and the LRN net at 224x224

Needs Debian's python3-torch and python3-torchvision (PyTorch 1.13); never a runtime dependency.
"""
import argparse
import gzip
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision
from torchvision.models import convnext, efficientnet, mobilenetv3, regnet
from torchvision.models.googlenet import BasicConv2d, Inception
from torchvision.models.swin_transformer import SwinTransformer
from torchvision.models.vision_transformer import VisionTransformer

OPSETS = [11, 13, 14, 17]
CLASSES = 10
BATCH = 2
SIZE = 32
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'conformance', 'fixtures')


class LrnNet(nn.Module):
    """AlexNet-style: conv, ReLU, LocalResponseNorm (PyTorch exports it with an If on the input's rank)."""

    def __init__(self, width=8, classes=CLASSES):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.LocalResponseNorm(3), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.LocalResponseNorm(5, alpha=1e-3, beta=0.75, k=2.0),
            nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(2 * width, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


class MiniInception(nn.Module):
    """A stem and one Inception block (torchvision's GoogLeNet module, narrowed): parallel branches, concat."""

    def __init__(self):
        super().__init__()
        self.stem = BasicConv2d(3, 16, kernel_size=3, stride=2)
        self.block = Inception(16, 8, 8, 16, 4, 8, 8)
        self.fc = nn.Linear(8 + 16 + 8 + 8, CLASSES)

    def forward(self, x):
        x = self.block(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def small_models():
    cn = convnext.CNBlockConfig
    mb = efficientnet.MBConvConfig
    ir = mobilenetv3.InvertedResidualConfig
    return {
        'vit': lambda: VisionTransformer(image_size=SIZE, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=CLASSES),
        'swin': lambda: SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[2, 2], num_heads=[2, 2], window_size=[4, 4], num_classes=CLASSES),
        'convnext': lambda: convnext.ConvNeXt([cn(8, 16, 1), cn(16, None, 1)], num_classes=CLASSES),
        'shufflenet-v2': lambda: torchvision.models.ShuffleNetV2([1, 1, 1], [8, 16, 24, 32, 32], num_classes=CLASSES),
        'efficientnet': lambda: efficientnet.EfficientNet([mb(1, 3, 1, 16, 8, 1), mb(4, 5, 2, 8, 16, 1)], dropout=0.2, num_classes=CLASSES, last_channel=64),
        'regnet': lambda: regnet.RegNet(regnet.BlockParams.from_init_params(depth=2, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25), stem_width=8, num_classes=CLASSES),
        'mobilenet-v3': lambda: mobilenetv3.MobileNetV3(
            [ir(16, 3, 16, 8, True, 'RE', 2, 1, 1.0), ir(8, 3, 24, 8, True, 'HS', 1, 1, 1.0), ir(8, 5, 24, 16, False, 'HS', 2, 1, 1.0)],
            last_channel=32, num_classes=CLASSES),
        'inception': MiniInception,
        'densenet': lambda: torchvision.models.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, bn_size=2, num_classes=CLASSES),
        'lrn': LrnNet,
    }


def full_models():
    return {
        'vit-b-16': lambda: torchvision.models.vit_b_16(),
        'swin-t': lambda: torchvision.models.swin_t(),
        'convnext-t': lambda: torchvision.models.convnext_tiny(),
        'lrn-net': lambda: LrnNet(width=64, classes=1000),
    }


def seeded(make, seed):
    """A model with reproducible random weights, batch-norm statistics moved off their defaults, in eval mode."""
    torch.manual_seed(seed)
    model = make()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
            if isinstance(m, VisionTransformer):
                m.heads.head.weight.normal_(0, 0.2)  # torchvision zero-initialises the head
    return model.eval()


def reference(model, batch, size, seed):
    torch.manual_seed(seed)
    x = torch.rand(batch, 3, size, size, requires_grad=True)
    labels = torch.arange(batch) % CLASSES
    logits = model(x)
    nn.functional.cross_entropy(logits, labels, reduction='sum').backward()
    return x.detach(), labels, logits.detach(), x.grad.detach()


def export(model, path, opset, dynamic, size, batch):
    dummy = torch.rand(batch, 3, size, size)
    torch.onnx.export(model, dummy, path, opset_version=opset, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}} if dynamic else None,
                      do_constant_folding=True)


def gzip_file(path):
    """Replaces `path` by `path`.gz (exported graphs are mostly repeated names: Swin's 370 kB become 60 kB)."""
    with open(path, 'rb') as f, gzip.GzipFile(path + '.gz', 'wb', compresslevel=9, mtime=0) as g:
        g.write(f.read())
    os.remove(path)


def write_floats(path, t):
    t.contiguous().numpy().astype('<f4').tofile(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--full', metavar='DIR', help='write full-size 224x224 exports (opset 17, dynamic batch) to DIR instead')
    parser.add_argument('--only', nargs='*', help='models to build (default: all)')
    args = parser.parse_args()
    out = args.full or OUT
    os.makedirs(out, exist_ok=True)
    models = full_models() if args.full else small_models()
    size = 224 if args.full else SIZE
    for seed, (name, make) in enumerate(models.items()):
        if args.only and name not in args.only:
            continue
        model = seeded(make, 1000 + seed)
        x, labels, logits, grad = reference(model, BATCH, size, 2000 + seed)
        files = []
        for opset in ([17] if args.full else OPSETS):
            for dynamic in ([True] if args.full else [True, False]):
                file = f'{name}-opset{opset}-{"dynamic" if dynamic else "fixed"}.onnx'
                export(model, os.path.join(out, file), opset, dynamic, size, BATCH)
                if not args.full:
                    gzip_file(os.path.join(out, file))
                    file += '.gz'
                files.append({'file': file, 'opset': opset, 'dynamicBatch': dynamic})
        for part, t in (('input', x), ('logits', logits), ('grad', grad)):
            write_floats(os.path.join(out, f'{name}.{part}.f32'), t)
        meta = {'model': name, 'torch': torch.__version__, 'torchvision': torchvision.__version__, 'inputShape': list(x.shape),
                'labels': labels.tolist(), 'loss': 'cross-entropy, summed over the batch', 'exports': files}
        with open(os.path.join(out, f'{name}.json'), 'w') as f:
            json.dump(meta, f, indent=1)
        print(f'{name}: {sum(p.numel() for p in model.parameters())} parameters, {len(files)} exports', file=sys.stderr)


if __name__ == '__main__':
    main()
