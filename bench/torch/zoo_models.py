"""Models of the gradient and attack benchmarks, and their export to ONNX.

ResNet-50 and ResNet-20 come from models.py (the forward benchmark's definitions and seed); MobileNet-v1 is
defined here; ViT-B/16 and ConvNeXt-T are torchvision's. Weights are a seeded random init, deterministic on CPU, so `build(name)` gives the same model
in every process and the Node side can run the very graph PyTorch exported.
"""
import os

import torch
import torch.nn as nn
import torchvision

import models

SEED = models.SEED
OPSET = models.OPSET

# name -> input shape of one example [C, H, W]
INPUT_SHAPES = {
    'resnet50': (3, 224, 224),
    'mobilenet-v1': (3, 224, 224),
    'resnet20': (3, 32, 32),
    'vit-b-16': (3, 224, 224),
    'convnext-t': (3, 224, 224),
}

# Transformers and ConvNeXts at full size: torchvision's definitions, seeded random weights.
TORCHVISION = {'vit-b-16': 'vit_b_16', 'convnext-t': 'convnext_tiny'}


def separable(cin, cout, stride):
    """A depthwise 3x3 convolution and a pointwise 1x1 one, each followed by BatchNorm and ReLU6."""
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
        nn.Conv2d(cin, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout), nn.ReLU6(),
    )


class MobileNetV1(nn.Module):
    """MobileNet-v1 (Howard et al. 2017) at width 1.0: a 3x3 stride-2 stem and 13 depthwise-separable
    blocks (Table 1 of the paper), global average pool, 1000 classes; ReLU6 as in the reference
    TensorFlow implementation."""

    # (output channels, stride) of the 13 separable blocks
    BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
              (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))

    def __init__(self, num_classes=1000):
        super().__init__()
        layers, cin = [nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6()], 32
        for cout, stride in self.BLOCKS:
            layers.append(separable(cin, cout, stride))
            cin = cout
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1024, num_classes)
        # He init on each filter's true fan-in (9 for a depthwise filter): PyTorch's default conv init
        # shrinks activations every layer, which over 27 layers leaves input gradients near 1e-13.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='relu')
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def build(name):
    """The model `name` with seeded random weights, in eval mode."""
    if name in ('resnet50', 'resnet20'):
        return models.build(name)
    if name == 'mobilenet-v1':
        torch.manual_seed(SEED)
        return MobileNetV1().eval()
    if name in TORCHVISION:
        torch.manual_seed(SEED)
        model = getattr(torchvision.models, TORCHVISION[name])()
        if name == 'vit-b-16':
            # torchvision zero-initialises ViT's head: every logit would be its bias and the input gradient 0.
            torch.nn.init.normal_(model.heads.head.weight, std=0.02)
        return model.eval()
    raise SystemExit(f'unknown model {name!r}; known: {", ".join(INPUT_SHAPES)}')


def export_onnx(model, example, path):
    """Exports like models.py: opset 17, dynamic batch, input `input`, output `logits`; written atomically."""
    tmp = path + '.tmp'
    # An input that requires grad keeps torch 1.13 off its fused attention kernel, which ONNX cannot express.
    example = example.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        torch.onnx.export(model, example, tmp, opset_version=OPSET, input_names=['input'],
                          output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    os.replace(tmp, path)
