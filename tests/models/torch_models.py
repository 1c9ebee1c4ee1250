"""Models written directly in PyTorch (not by planner), for the import tests."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class DoubleConv(nn.Module):
    def __init__(self, cin: int, cout: int, padding: int = 0):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=padding)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(x))))


class UNet(nn.Module):
    """A two-level U-Net in the style of the paper: valid convolutions, the encoder
    skip cropped at run time by slicing, and a padded path that uses ``F.pad`` to
    match sizes (as milesial/Pytorch-UNet does), then ``torch.cat``."""

    def __init__(self, cin: int = 1, classes: int = 2):
        super().__init__()
        self.down1 = DoubleConv(cin, 8)
        self.pool1 = nn.MaxPool2d(2)
        self.down2 = DoubleConv(8, 16)
        self.pool2 = nn.MaxPool2d(2)
        self.bottom = DoubleConv(16, 32)
        self.up2 = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.dec2 = DoubleConv(32, 16)
        self.up1 = nn.Upsample(scale_factor=2, mode="nearest")
        self.reduce1 = nn.Conv2d(16, 8, 1)
        self.dec1 = DoubleConv(16, 8, padding=1)
        self.head = nn.Conv2d(8, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s1 = self.down1(x)
        s2 = self.down2(self.pool1(s1))
        b = self.bottom(self.pool2(s2))
        u2 = self.up2(b)
        dy = (s2.shape[2] - u2.shape[2]) // 2
        dx = (s2.shape[3] - u2.shape[3]) // 2
        crop = s2[:, :, dy : dy + u2.shape[2], dx : dx + u2.shape[3]]
        d2 = self.dec2(torch.cat([crop, u2], dim=1))
        u1 = self.reduce1(self.up1(d2))
        diff_y = s1.shape[2] - u1.shape[2]
        diff_x = s1.shape[3] - u1.shape[3]
        # Pad the smaller map to the skip's size instead (the Pytorch-UNet way), here
        # cropping the skip since the skip is larger: negative pads crop.
        s1c = F.pad(
            s1, [-(diff_x // 2), -(diff_x - diff_x // 2), -(diff_y // 2), -(diff_y - diff_y // 2)]
        )
        d1 = self.dec1(torch.cat([s1c, u1], dim=1))
        return self.head(d1)


class ResNetStem(nn.Module):
    """A ResNet-style stem and one residual block, with adaptive average pooling and a
    linear classifier."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(16)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        y = self.relu(self.bn2(self.conv2(x)))
        y = self.bn3(self.conv3(y))
        x = self.relu(x + y)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def unet() -> nn.Module:
    return UNet()


INPUT_SHAPES = {"unet": (1, 60, 60), "resnet": (3, 64, 64)}
