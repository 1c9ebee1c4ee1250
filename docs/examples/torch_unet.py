"""A small U-Net written directly in PyTorch: valid convolutions, the skip cropped
at run time by slicing, then concatenated (for `planner import ...:UNet`)."""

import torch
import torch.nn.functional as F
from torch import nn


class UNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Conv2d(1, 8, 3)
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 16, 3)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.head = nn.Conv2d(16, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = F.relu(self.enc(x))
        y = self.up(F.relu(self.mid(self.pool(skip))))
        dy = (skip.shape[2] - y.shape[2]) // 2
        dx = (skip.shape[3] - y.shape[3]) // 2
        skip = skip[:, :, dy : dy + y.shape[2], dx : dx + y.shape[3]]
        return self.head(torch.cat([skip, y], dim=1))
