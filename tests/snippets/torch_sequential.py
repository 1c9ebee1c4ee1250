from torch import nn

model = nn.Sequential(
    nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1),
    nn.BatchNorm2d(16),
    nn.ReLU(inplace=True),
    nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    nn.Conv2d(16, 32, 3, dilation=2, padding=(2, 1), bias=False),
    nn.LeakyReLU(0.2),
    nn.ConvTranspose2d(32, 8, 4, stride=2, padding=1, output_padding=1),
    nn.ZeroPad2d((1, 0, 2, 1)),
    nn.AvgPool2d(2),
    nn.Upsample(scale_factor=2, mode="nearest"),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(8, 10),
)
