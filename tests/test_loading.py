"""Loading files and presets: every bad input is one located paragraph."""

from __future__ import annotations

import pytest

import planner
from planner.errors import SpecError

GOOD = """\
name: small
framework: torch
input_shape: [1, 28, 28]
layers:
  - type: Conv2d
    out_channels: 8
    kernel_size: 3
    padding: 1
  - type: MaxPool2d
    kernel_size: 2
"""


def test_loads_yaml_text():
    net = planner.loads(GOOD)
    assert net.framework == "torch"
    assert planner.infer(net).output_shape == (8, 14, 14)


def test_typo_names_file_line_layer_and_field(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(GOOD.replace("kernel_size: 2", "kernal_size: 2"))
    with pytest.raises(SpecError) as info:
        planner.load(path)
    e = info.value
    assert e.source == str(path)
    assert e.line == 10
    assert e.layer == "#2 (MaxPool2d)"
    assert "unknown key 'kernal_size'; did you mean 'kernel_size'?" in str(e)
    assert str(e).startswith(f"{path}:10, layer '#2 (MaxPool2d)'")


def test_invalid_yaml_reports_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nlayers: [\n  {type: conv\n")
    with pytest.raises(SpecError, match="invalid YAML") as info:
        planner.load(path)
    assert info.value.line is not None


def test_negative_size_in_a_file(tmp_path):
    path = tmp_path / "neg.yaml"
    path.write_text(GOOD.replace("[1, 28, 28]", "[1, -28, 28]"))
    with pytest.raises(SpecError, match=">= 1") as info:
        planner.load(path)
    assert info.value.line == 3


def test_unknown_preset_suggests_the_nearest():
    with pytest.raises(SpecError, match="Did you mean 'unet-original'"):
        planner.load("unet-orignal")


def test_missing_file():
    with pytest.raises(planner.FileError, match="no such file"):
        planner.load("does/not/exist.yaml")


def test_not_a_mapping():
    with pytest.raises(SpecError, match="a network is a mapping"):
        planner.loads("- 1\n- 2\n")


def test_every_preset_loads_and_runs():
    names = planner.preset_names()
    assert {
        "keras-autoencoder",
        "unet-original",
        "unet-same",
        "dcgan-generator",
        "dcgan-discriminator",
        "vgg16",
        "unet3d",
        "wavenet-1d",
    } <= set(names)
    for name in names:
        result = planner.infer(planner.load(name))
        assert result.ok, (name, result.first_error)
