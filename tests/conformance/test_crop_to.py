"""``crop_to`` alone against the run-time crops PyTorch code writes.

The oracles are the idioms themselves, run on ``arange`` tensors so that every value
says where it came from: slicing ``x[..., s : s + m]`` with the split rule's start
(``d // 2``, ``d - d // 2``, ``int(round(d / 2))``), ``F.pad`` with negative amounts
(``mode: crop_or_pad`` with ``floor``/``ceil``), and torchvision's ``center_crop``
(``round_half_even`` with ``crop_or_pad``) written out from its source, since
torchvision is not installed. A slice of a smaller tensor does not raise: it returns
the wrong size, which the concatenation after it refuses; planner refuses it at the
crop (``mode: crop``).

planner's per-side amounts are checked by value: ``F.pad`` with the amounts planner
shows gives the oracle's tensor. The exported modules (``to_torch``, ``to_keras``,
Flax source) give it too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from planner.export import to_keras, to_source, to_torch
from planner.shapes import infer
from planner.spec.network import Network
from tests import strategies as S

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def start_of(d: int, split: str) -> int:
    """Where the crop starts, as the code people write computes it."""
    if split == "floor":
        return d // 2  # x[..., d//2 : d//2 + h]
    if split == "ceil":
        return d - d // 2
    return int(round(d / 2.0))  # noqa: RUF046 (torchvision CenterCrop's crop_top)


def tv_center_crop(img: torch.Tensor, output_size: list[int]) -> torch.Tensor:
    """torchvision.transforms.functional.center_crop on a tensor, from its source:
    pad a smaller image (``(c - i) // 2`` left/top, ``(c - i + 1) // 2`` right/bottom),
    then crop from ``int(round((i - c) / 2.0))``."""
    image_height, image_width = img.shape[-2:]
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        left, top, right, bottom = padding_ltrb
        img = F.pad(img, [left, right, top, bottom], value=0.0)
        image_height, image_width = img.shape[-2:]
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))  # noqa: RUF046
    crop_left = int(round((image_width - crop_width) / 2.0))  # noqa: RUF046
    return img[..., crop_top : crop_top + crop_height, crop_left : crop_left + crop_width]


def oracle(x: torch.Tensor, like: list[int], split: str, mode: str) -> torch.Tensor | None:
    """What the run-time crop code gives (None: not the reference's size, so the
    merge after it fails)."""
    diffs = [n - m for n, m in zip(x.shape[2:], like, strict=True)]
    if mode == "crop":
        index: list[slice] = [slice(None), slice(None)]
        for d, m in zip(diffs, like, strict=True):
            s = start_of(d, split)
            index.append(slice(s, s + m))
        y = x[tuple(index)]
        return y if list(y.shape[2:]) == list(like) else None
    if split == "round_half_even":
        return tv_center_crop(x, like)
    pad: list[int] = []
    for d in reversed(diffs):  # F.pad lists the last axis first
        before = d // 2 if split == "floor" else d - d // 2
        pad += [-before, -(d - before)]
    return F.pad(x, pad)


def network(case: dict[str, Any], framework: str = "torch") -> Network:
    """The input, a reference of ``like_sizes`` made from it by padding and cropping,
    and the input cropped to the reference."""
    sizes, like = case["sizes"], case["like_sizes"]
    grow = [[0, max(0, m - n)] for n, m in zip(sizes, like, strict=True)]
    cut = [[0, max(0, n - m)] for n, m in zip(sizes, like, strict=True)]
    layers = [
        {"type": "zero_padding", "padding": grow, "name": "grown"},
        {"type": "cropping", "cropping": cut, "name": "ref"},
        {
            "type": "crop_to",
            "like": "ref",
            "inputs": ["input"],
            "split": case["split"],
            "mode": case["mode"],
            "name": "crop",
        },
    ]
    return Network.model_validate(
        {
            "name": "crop-probe",
            "framework": framework,
            "data_format": "channels_first",
            "input_shape": [case["channels"], *sizes],
            "layers": layers,
        }
    )


def arange(case: dict[str, Any]) -> torch.Tensor:
    shape = (1, case["channels"], *case["sizes"])
    return torch.arange(1, int(np.prod(shape)) + 1, dtype=torch.float32).reshape(shape)


def check(case: dict[str, Any]) -> None:
    x = arange(case)
    want = oracle(x, case["like_sizes"], case["split"], case["mode"])
    result = infer(network(case))["crop"]
    if want is None:
        assert result.error, f"{case}: the crop code gives the wrong size; planner accepts"
        pairs = zip(case["sizes"], case["like_sizes"], strict=True)
        d = next(i for i, (n, m) in enumerate(pairs) if n < m)
        n, m = case["sizes"][d], case["like_sizes"][d]
        assert f"({n})" in result.error and f"({m})" in result.error, result.error
        assert f"axis {AXES[len(case['sizes'])][d]}" in result.error, result.error
        assert "'ref'" in result.error
        return
    assert result.ok, f"{case}: {result.error}"
    assert list(result.output_shape) == list(want.shape[1:])
    # The amounts planner shows (pad before|after, negative: cropped) give the same tensor.
    pad = [int(a) for pair in reversed(result.padding) for a in pair]
    assert torch.equal(F.pad(x, pad), want), (case, result.padding)
    # And so does the exported module, which computes them at run time.
    module = to_torch(network(case))
    with torch.no_grad():
        assert torch.equal(module(x), want)


@settings(max_examples=150, deadline=None)
@given(S.crop_to_case(rank=2))
def test_crop_to_2d_against_torch(case: dict[str, Any]) -> None:
    check(case)


@settings(max_examples=60, deadline=None)
@given(S.crop_to_case(rank=1), S.crop_to_case(rank=3))
def test_crop_to_1d_3d_against_torch(case1: dict[str, Any], case3: dict[str, Any]) -> None:
    for case in (case1, case3):
        if case["split"] == "round_half_even" and case["mode"] == "crop_or_pad":
            continue  # torchvision's CenterCrop is 2D; the 2D grid covers it
        check(case)


@pytest.mark.parametrize("split", ["floor", "ceil", "round_half_even"])
@pytest.mark.parametrize("mode", ["crop", "crop_or_pad"])
def test_odd_and_negative_differences_every_rule(split: str, mode: str) -> None:
    """Every difference from -5 to 7 on H against 0 on W, so each parity and sign of
    ``d`` meets each rule."""
    for d in range(-5, 8):
        check(
            {
                "sizes": [8, 5],
                "like_sizes": [8 - d, 5],
                "channels": 1,
                "split": split,
                "mode": mode,
            }
        )


def test_torchvision_rounds_half_to_even() -> None:
    """The documented split: 1 -> 0, 3 -> 2, 5 -> 2, 7 -> 4 pixels before."""
    for d, before in ((1, 0), (3, 2), (5, 2), (7, 4)):
        case = {
            "sizes": [4 + d, 4],
            "like_sizes": [4, 4],
            "channels": 1,
            "split": "round_half_even",
            "mode": "crop",
        }
        result = infer(network(case))["crop"]
        assert result.padding[0] == (-before, -(d - before))
        x = arange(case)
        assert torch.equal(tv_center_crop(x, [4, 4]), x[..., before : before + 4, :])


@settings(max_examples=6, deadline=None)
@given(S.crop_to_case(rank=2))
def test_crop_to_keras_export(case: dict[str, Any]) -> None:
    """Keras has no run-time crop: the export writes Cropping/ZeroPadding layers with
    planner's amounts for this size, which give the oracle's tensor in Keras."""
    x = arange(case)
    want = oracle(x, case["like_sizes"], case["split"], case["mode"])
    if want is None:
        return
    for framework in ("torch", "keras"):
        model = to_keras(network(case, framework))
        got = model(x.numpy())
        got = got.detach().cpu().numpy() if hasattr(got, "detach") else np.asarray(got)
        np.testing.assert_array_equal(got, want.numpy())


@settings(max_examples=6, deadline=None)
@given(case=S.crop_to_case(rank=2))
def test_crop_to_flax_source(case: dict[str, Any], tmp_path_factory: Any) -> None:
    """The Flax source (``lax.pad`` with planner's amounts) gives the oracle's tensor."""
    import jax
    import jax.numpy as jnp

    x = arange(case)
    want = oracle(x, case["like_sizes"], case["split"], case["mode"])
    if want is None:
        return
    path = Path(tmp_path_factory.mktemp("flax")) / "crop_flax.py"
    path.write_text(to_source(network(case, "jax"), "flax"))
    spec = importlib.util.spec_from_file_location("crop_flax", path)
    assert spec is not None and spec.loader is not None
    code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(code)
    model = code.build()
    xj = jnp.asarray(x.numpy())
    variables = model.init(jax.random.PRNGKey(0), xj)
    np.testing.assert_array_equal(np.asarray(model.apply(variables, xj)), want.numpy())


@settings(max_examples=25, deadline=None)
@given(S.crop_to_case(rank=2))
def test_crop_to_channels_last_torch_export(case: dict[str, Any]) -> None:
    """A channels-last (Keras) network exported to PyTorch crops the same pixels."""
    x = arange(case)
    want = oracle(x, case["like_sizes"], case["split"], case["mode"])
    if want is None:
        return
    net = network(case, "keras")
    data = net.to_data()
    data["data_format"] = "channels_last"
    data["input_shape"] = [*case["sizes"], case["channels"]]
    module = to_torch(Network.model_validate(data))
    with torch.no_grad():
        got = module(x.movedim(1, -1))
    assert torch.equal(got.movedim(-1, 1), want)
