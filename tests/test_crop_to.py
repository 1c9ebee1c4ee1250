"""``crop_to`` in whole networks: the U-Net with run-time crops as PyTorch code writes
it, run on every size 1..1200, against ``valid_inputs``'s closed form and its crop
amounts; symbolic sizes against concrete ones; the closed form against enumeration on
a network whose crop works on odd sizes only; and the refusals of the YAML.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sympy
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import planner
from planner.cli import app
from planner.errors import PlannerError, SolveError
from planner.spec.network import Network
from tests import strategies as S

SPLITS = ["floor", "ceil", "round_half_even"]
MODES = ["crop", "crop_or_pad"]


# --- the original U-Net with run-time crops, in PyTorch ------------------------------


def double_conv(cin: int, cout: int) -> nn.Module:
    # No biases nor ReLUs: they change no shape, and on the meta device PyTorch runs
    # them through slow decompositions (milliseconds each, 20x the convolution).
    return nn.Sequential(nn.Conv2d(cin, cout, 3, bias=False), nn.Conv2d(cout, cout, 3, bias=False))


class RuntimeCropUNet(nn.Module):
    """Ronneberger et al.'s geometry (valid 3x3 convolutions, 2x2 max pooling, 2x2
    up-convolutions) with 2 channels, each skip cropped to the upsampled tensor the
    way most PyTorch U-Nets do: ``skip[..., d//2 : d//2 + h, ...]``. ``crops`` keeps
    the (before, after) it cut per skip and axis on the last call."""

    def __init__(self, c: int = 2):
        super().__init__()
        self.down = nn.ModuleList([double_conv(1 if i == 0 else c, c) for i in range(5)])
        self.up = nn.ModuleList(
            [nn.ConvTranspose2d(c, c, 2, stride=2, bias=False) for _ in range(4)]
        )
        self.dec = nn.ModuleList([double_conv(2 * c, c) for _ in range(4)])
        self.out = nn.Conv2d(c, 2, 1, bias=False)
        self.crops: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.crops = []
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < 4:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips), strict=True):
            x = up(x)
            h, w = x.shape[-2:]
            dh, dw = skip.shape[-2] - h, skip.shape[-1] - w
            self.crops.append(((dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2)))
            skip = skip[..., dh // 2 : dh // 2 + h, dw // 2 : dw // 2 + w]
            x = dec(torch.cat([skip, x], dim=1))
        return self.out(x)


@pytest.fixture(scope="module")
def torch_runs() -> dict[int, tuple[list[Any], int]]:
    """Every square size in 1..1200 the PyTorch U-Net runs on (meta device: shapes
    only), with the crops it made and its output size."""
    with torch.device("meta"):
        model = RuntimeCropUNet()
    runs: dict[int, tuple[list[Any], int]] = {}
    with torch.no_grad():
        for n in range(1, 1201):
            try:
                y = model(torch.empty(1, 1, n, n, device="meta"))
            except RuntimeError:  # a convolution, a pooling or the concatenation refuses
                continue
            runs[n] = (list(model.crops), y.shape[-1])
    return runs


@pytest.fixture(scope="module")
def answer() -> planner.InputsResult:
    return planner.valid_inputs(planner.load("unet-original-runtime-crop"))


def test_unet_runtime_crop_sizes_equal_torch(torch_runs: dict[int, Any], answer: Any) -> None:
    for axis in ("H", "W"):
        planned = {n for n in range(1, 1201) if answer.axes[axis].contains(n)}
        assert planned == set(torch_runs)
    assert len(torch_runs) == 1013 and min(torch_runs) == 188
    assert answer.complete
    assert answer.axes["H"].progressions[0].text("H").startswith("H >= 188")


def test_unet_runtime_crop_amounts_equal_torch(torch_runs: dict[int, Any], answer: Any) -> None:
    layers = ["crop6", "crop7", "crop8", "crop9"]
    for n, (crops, _) in torch_runs.items():
        at = answer.crops_at(n)
        assert [(at[c]["H"], at[c]["W"]) for c in layers] == crops, n


def test_unet_crop_formulas_equal_torch(torch_runs: dict[int, Any], answer: Any) -> None:
    """The formulas of the input size reported per skip give torch's amounts."""
    h = sympy.Symbol("H", integer=True)
    formulas = [
        (
            sympy.sympify(c.before, locals={"H": h, "ceil": sympy.ceiling}),
            sympy.sympify(c.after, locals={"H": h, "ceil": sympy.ceiling}),
        )
        for c in answer.axes["H"].crops
    ]
    assert [c.layer for c in answer.axes["H"].crops] == ["crop6", "crop7", "crop8", "crop9"]
    assert answer.axes["H"].crops[0].before == "4"  # d // 2 of 8 or 9, whatever H
    for n in [*range(188, 240), *range(240, 1201, 37), 1200]:
        got = [(int(b.subs(h, n)), int(a.subs(h, n))) for b, a in formulas]
        assert got == [hw[0] for hw in torch_runs[n][0]], n


def test_crops_at_refuses_a_size_that_does_not_run(answer: Any) -> None:
    with pytest.raises(SolveError, match=r"does not run on \[187, 187\]"):
        answer.crops_at(187)
    with pytest.raises(SolveError, match="one size or 2"):
        answer.crops_at([200, 200, 200])


def test_fixed_crop_answers_stay() -> None:
    """Which sizes need no crop beyond the fixed ones: unchanged by the new layer."""
    fixed = planner.valid_inputs(planner.load("unet-original"))
    assert [p.text("H") for p in fixed.axes["H"].progressions] == [
        "H = 16k + 188, k >= 0: output 16k + 4"
    ]
    assert fixed.axes["H"].crops == []
    exact = planner.valid_inputs(planner.load("unet-original-runtime-crop"), exact=True)
    assert [(p.first, p.step, p.last) for p in exact.axes["H"].progressions] == [(188, 16, None)]


def test_unet_runtime_crop_solve_closed_form(torch_runs: dict[int, Any]) -> None:
    """``solve`` with the input size unknown (the closed form of closed.py) finds the
    sizes whose output is 100: those the PyTorch model maps to 100."""
    want = [n for n, (_, out) in torch_runs.items() if out == 100]
    assert want
    data = planner.load("unet-original-runtime-crop").to_data()
    data["input_shape"] = [1, "?H", "?H"]
    result = planner.solve(planner.load(data), ["output=100"], limit=None)
    assert result.complete
    assert sorted(s.values["H"] for s in result.solutions) == want


# --- a small network whose crop runs on odd sizes only ---------------------------------


def odd_only(split: str, mode: str, dims: list[Any]) -> Network:
    """``input`` is ``n``; ``up`` (pool 2, then a 3-wide stride-2 up-convolution) is
    ``2*floor(n/2) + 1``: one longer than an even input, so a crop works on odd
    sizes only (and ``crop_or_pad`` pads the even ones)."""
    return planner.load(
        {
            "name": "odd-only",
            "framework": "torch",
            "input_shape": [1, *dims],
            "layers": [
                {"type": "MaxPool2d", "kernel_size": 2, "name": "pool"},
                {"type": "ConvTranspose2d", "out_channels": 1, "kernel_size": 3, "stride": 2},
                {"type": "conv", "filters": 1, "kernel_size": 3, "padding": 1, "name": "up"},
                {"type": "crop_to", "like": "up", "inputs": ["input"], "name": "crop"},
                {"type": "concatenate", "inputs": ["crop", "up"]},
                {"type": "conv", "filters": 1, "kernel_size": 3},
            ],
        }
    ).model_copy()


def _with(net: Network, split: str, mode: str) -> Network:
    data = net.to_data()
    for layer in data["layers"]:
        if layer["type"] == "crop_to":
            layer.update(split=split, mode=mode)
    return planner.load(data)


def test_solve_with_unknown_paddings_reads_the_reference() -> None:
    """The solver's tables hand crop_to its reference too: same answers as trying
    every assignment with forward inference."""
    import itertools

    net = planner.load("unet-original-runtime-crop")
    fields = ["conv1_1.padding", "conv5.padding", "conv9.padding"]
    result = planner.solve(net, unknowns=fields, targets=["output=388"])
    got = {tuple(s.values[f] for f in fields) for s in result.solutions}
    want = set()
    for combo in itertools.product(["valid", "same"], repeat=3):
        data = net.model_dump()
        for f, mode in zip(fields, combo, strict=True):
            name = f.split(".")[0]
            layer = next(x for x in data["layers"] if x.get("name") == name)
            layer["padding"] = mode
        res = planner.infer(planner.Network.model_validate(data))
        if res.ok and res.output_shape[1:] == (388, 388):
            want.add(combo)
    assert result.complete and got == want and want


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("mode", MODES)
def test_closed_form_equals_enumeration(split: str, mode: str) -> None:
    net = _with(odd_only(split, mode, [20, 20]), split, mode)
    answer = planner.valid_inputs(net)
    runs = {n for n in range(1, 301) if planner.infer(net, input_shape=[1, n, n]).ok}
    assert {n for n in range(1, 301) if answer.axes["H"].contains(n)} == runs
    if mode == "crop":
        assert runs == set(range(3, 301, 2))
    else:
        assert runs == set(range(2, 301))
    # Crop amounts per size agree with concrete inference.
    for n in (5, 6, 7, 40, 41):
        if n in runs:
            pads = planner.infer(net, input_shape=[1, n, n])["crop"].padding
            assert answer.crops_at(n)["crop"]["H"] == (-pads[0][0], -pads[0][1])


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("mode", MODES)
def test_symbolic_equals_concrete(split: str, mode: str) -> None:
    """Sizes and per-side amounts as formulas of H and W give, at every (H, W) of a
    grid, what concrete inference gives; where a crop refuses, its condition fails."""
    net = _with(odd_only(split, mode, ["H", "W"]), split, mode)
    symbolic = planner.infer(net)
    crop = symbolic["crop"]
    h, w = sympy.Symbol("H", integer=True), sympy.Symbol("W", integer=True)
    for hh, ww in [(4, 4), (5, 4), (4, 7), (9, 12), (13, 13), (16, 21), (30, 31), (57, 40)]:
        at = {h: hh, w: ww}
        concrete = planner.infer(net, input_shape=[1, hh, ww])["crop"]
        conditions = [bool(c.expr.subs(at)) for c in crop.conditions]
        if concrete.error:
            assert mode == "crop" and not all(conditions), (hh, ww, concrete.error)
            continue
        assert all(conditions)
        assert [int(sympy.sympify(d).subs(at)) for d in crop.output_shape] == list(
            concrete.output_shape
        )
        pads = [tuple(int(sympy.sympify(p).subs(at)) for p in pair) for pair in crop.padding]
        assert pads == [tuple(p) for p in concrete.padding]


@settings(max_examples=80, deadline=None)
@given(d=st.integers(-40, 40), split=S.crop_splits, mode=S.crop_modes)
def test_split_rule_int_sympy_affine_agree(d: int, split: str, mode: str) -> None:
    """``center_split`` gives one answer on ints, on sympy and on ``a*k + b``."""
    from planner.dialects.arithmetic import center_split
    from planner.symbolic.affine import Lin
    from planner.symbolic.ops import eventually

    pad = mode != "crop"
    if d < 0 and not pad:
        return
    before, after = center_split(d, split, may_pad=pad)
    assert before + after == d
    x = sympy.Symbol("x", integer=True)
    b, a = center_split(x, split, may_pad=pad)
    assert (int(b.subs(x, d)), int(a.subs(x, d))) == (before, after)
    # Affine in k (d = 4k + r, k = d // 4): once its decisions have settled.
    k, r = divmod(d, 4)
    with eventually() as settled:
        lb, la = center_split(Lin(4, r), split, may_pad=pad)
    if k >= max([0, *settled]):
        assert [v if isinstance(v, int) else v.a * k + v.b for v in (lb, la)] == [before, after]


# --- the layer as written ----------------------------------------------------------------


def load_yaml(layers: str, shape: str = "[1, 16, 16]") -> Network:
    return planner.loads(f"framework: torch\ninput_shape: {shape}\nlayers:\n{layers}", "net.yaml")


@pytest.mark.parametrize(
    ("layers", "line", "message"),
    [
        (
            "- {type: conv, filters: 2, kernel_size: 3, name: c1}\n"
            "- {type: crop_to, like: nope, inputs: [input], name: crop}\n",
            5,
            "'nope' is not a layer of this network; known so far: c1, input",
        ),
        (
            "- {type: crop_to, like: c1, inputs: [input], name: crop}\n"
            "- {type: conv, filters: 2, kernel_size: 3, name: c1}\n",
            4,
            "'c1' comes later in the list",
        ),
        ("- {type: CenterCrop, like: crop, name: crop}\n", 4, "'crop' is this layer itself"),
        (
            "- {type: flatten, name: f}\n- {type: CropToMatch, like: f, inputs: [input], name: crop}\n",
            5,
            "'f' has 0 spatial axes and the input 'input' has 2",
        ),
        ("- {type: crop_to, name: crop}\n", 4, "required field 'like' is missing"),
    ],
)
def test_yaml_errors_name_layer_and_field(layers: str, line: int, message: str) -> None:
    with pytest.raises(PlannerError) as info:
        load_yaml(layers)
    err = info.value
    assert (err.layer, err.field, err.line) == ("crop", "like", line)
    assert message in err.message
    assert str(err).startswith(f"net.yaml:{line}, layer 'crop', field 'like'")


def test_unknown_split_lists_the_rules() -> None:
    with pytest.raises(PlannerError) as info:
        load_yaml("- {type: crop_to, like: input, split: middle, name: crop}\n")
    assert info.value.field == "split"
    assert "'floor', 'ceil' or 'round_half_even'" in info.value.message


def test_aliases() -> None:
    net = load_yaml(
        "- {type: conv, filters: 2, kernel_size: 3, name: c}\n"
        "- {type: CenterCrop, reference: c, inputs: [input], name: a}\n"
        "- {type: CropToMatch, like: c, inputs: [input], name: b}\n"
        "- {type: center_crop, like: c, inputs: [input], split: torchvision, mode: crop, name: d}\n"
    )
    a, b, d = net.layer("a"), net.layer("b"), net.layer("d")
    assert (a.type, a.like, a.split, a.mode) == ("crop_to", "c", "round_half_even", "crop_or_pad")
    assert (b.type, b.split, b.mode) == ("crop_to", "floor", "crop")
    assert (d.split, d.mode) == ("round_half_even", "crop")
    # Written back, it reads the same.
    assert planner.load(net.to_data()).layer("a") == a


def test_crop_refusal_names_sizes_axis_and_layer() -> None:
    net = load_yaml(
        "- {type: ZeroPad2d, padding: [0, 0, 1, 2], name: big}\n"
        "- {type: crop_to, like: big, inputs: [input], name: crop}\n"
    )
    error = planner.infer(net)["crop"].error
    assert error == (
        "the input (16) is smaller than 'big' (19); a crop cannot grow it (mode: crop_or_pad "
        "pads it with zeros) (axis H) [field 'like']"
    )


def test_every_framework_dialect_reads_it() -> None:
    """A run-time crop is the same slice in every framework: one rule, every dialect."""
    results = []
    for framework in ("keras", "torch", "jax", "onnx"):
        net = planner.load(
            {
                "framework": framework,
                "data_format": "channels_first",
                "input_shape": [1, 17, 12],
                "layers": [
                    {"type": "max_pool", "pool_size": 2, "strides": 2, "name": "p"},
                    {"type": "crop_to", "like": "p", "inputs": ["input"], "split": "ceil"},
                ],
            }
        )
        out = planner.infer(net).layers[-1]
        results.append((out.output_shape, out.padding))
    assert results == [((1, 8, 6), [(-5, -4), (-3, -3)])] * 4


def test_show_prints_the_amounts_and_schema_has_the_layer() -> None:
    result = CliRunner().invoke(app, ["show", "unet-original-runtime-crop", "--json"])
    assert result.exit_code == 0, result.output
    assert '"type": "crop_to"' in result.output
    table = CliRunner().invoke(app, ["show", "unet-original-runtime-crop"], env={"COLUMNS": "200"})
    assert re.search(
        r"crop9 \(crop_to\).*568 - 88 - 88 = 392 \(like up9\), pad -88\|-88", table.output
    )
    inputs = CliRunner().invoke(
        app, ["inputs", "unet-original-runtime-crop", "--near", "189"], env={"COLUMNS": "200"}
    )
    assert "H >= 188" in inputs.output
    assert (
        "crops at 189 (before|after, pixels taken off): crop6 4|4, crop7 16|16, crop8 40|40, crop9 88|89"
        in inputs.output
    )
    from planner.spec.schema import network_schema

    assert '"crop_to"' in str(network_schema()).replace("'", '"')


def test_tui_edits_keep_references() -> None:
    """Added in the terminal UI, a crop_to starts as a no-op on its own input; deleting
    the layer it names re-points it, as inputs are."""
    from planner.tui.edits import delete_layer, insert_layer, rename_layer

    net = planner.load("unet-original-runtime-crop")
    added = insert_layer(net, "crop_to", "conv1")
    new = added.layers[2]
    assert (new.type, new.inputs, new.like) == ("crop_to", ["conv1"], "conv1")
    assert planner.infer(added).ok
    assert delete_layer(net, "up6").layer("crop6").like == "conv5"
    assert rename_layer(net, "up9", "last_up").layer("crop9").like == "last_up"
