"""PyTorch source for a planner network: one ``nn.Module`` with ``__init__`` and
``forward``, written from the modules ``to_torch`` builds (on the ``meta`` device).

Modules with weights or an ``nn`` class of their own are attributes named like the
planner layer; parameter-free steps (concatenation, element-wise merges, crops,
reshapes, global pooling) are written inline in ``forward``, so a U-Net's skips,
crops and concatenations read there. Any ``nn`` class is written from its
constructor signature and the values the module holds, so layer types added to the
live exporter come out as code without a second mapping.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from planner.export import source as S
from planner.export import torch_model as T

if TYPE_CHECKING:
    from planner.shapes import Inference
    from planner.spec.network import Network

_HELPERS = {
    T._ChannelsLast: "ChannelsLast",
    T._TransposeTo: "TransposeTo",
    T._AvgPoolExcludingPad: "AvgPoolExcludingPad",
    T._CropTo: "CropTo",
}
_PAD_CLASSES = {
    "reflect": "ReflectionPad",
    "replicate": "ReplicationPad",
    "circular": "CircularPad",
}
_MERGE_OPS = {"add": " + ", "subtract": " - ", "multiply": " * "}


def torch_source(net: Network, inference: Inference) -> str:
    with torch.device("meta"):
        builder = T._TorchBuilder(net, inference)
        modules = {layer.name: builder.build(layer) for layer in net.layers}
    writer = _Writer(net)
    names = S.Names(("x", "self", "torch", "nn", "F"))
    var = {net.input_name: "x"}
    init: list[str] = []
    forward: list[str] = []
    for layer in net.layers:
        module = modules[layer.name]
        ident = names(layer.name)
        args = [var[i] for i in layer.sources]
        comment = S.padding_comment(net, layer, inference, "PyTorch")
        inline = writer.inline(module, args)
        if inline is not None:
            forward += S.comment_lines(comment)
            forward.append(f"{ident} = {inline}")
        else:
            rendered = writer.render(module)
            if "AvgPoolExcludingPad(" in rendered:
                comment = (comment or "") + (
                    "; TensorFlow's average leaves the padding out of the divisor, which "
                    "PyTorch cannot say: AvgPoolExcludingPad divides by the real pixels"
                )
            if comment and "Pad" in rendered and "d((" in rendered:
                comment += "; nn.*Pad*d lists the last axis first: (left, right, top, bottom)"
            init += S.comment_lines(comment)
            init.append(f"self.{ident} = {rendered}")
            forward.append(f"{ident} = self.{ident}({', '.join(args)})")
        var[layer.name] = ident
    consumed = {i for layer in net.layers for i in layer.sources}
    sinks = [var[n] for n in net.layer_names if n not in consumed] or ["x"]
    forward.append(f"return {sinks[0] if len(sinks) == 1 else '(' + ', '.join(sinks) + ')'}")

    cls = S.class_name(net.name)
    shape = tuple(int(d) for d in net.input_shape)
    layout = "channels-last" if net.channels_last else "channels-first"
    note = f"Input: a tensor of shape (batch, {', '.join(map(str, shape))}) ({layout})."
    out = [S.module_docstring(net, "PyTorch", note), "", "from __future__ import annotations", ""]
    out += ["import torch", "import torch.nn.functional as F  # noqa: F401", "from torch import nn"]
    for helper in writer.helpers_used():
        out += ["", "", helper]
    out += ["", "", f"class {cls}(nn.Module):"]
    out += [f'    """{net.name}, {len(net.layers)} layers."""', ""]
    out += ["    def __init__(self) -> None:", "        super().__init__()"]
    out += [f"        {line}" for line in init]
    out += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    out += [f"        {line}" for line in forward]
    out += ["", "", f"INPUT_SHAPE = {S.literal(shape)}", "", ""]
    out += ["def build() -> nn.Module:", f"    return {cls}()", "", ""]
    out += ['if __name__ == "__main__":', "    model = build()"]
    out += ["    print(model(torch.zeros(1, *INPUT_SHAPE)).shape)", ""]
    return "\n".join(out)


class _Writer:
    def __init__(self, net: Network):
        self.net = net
        self.used: list[type] = []

    def helpers_used(self) -> list[str]:
        text = []
        for cls in _HELPERS:
            if cls in self.used:
                src = S.helper_source(cls, _HELPERS[cls]).rstrip()
                text.append(src.replace("_Pad", "nn.Module"))
        return text

    # --- parameter-free steps written in forward -------------------------------------
    def inline(self, module: nn.Module, args: list[str]) -> str | None:
        channels_last = False
        inner = module
        if isinstance(module, T._ChannelsLast):
            channels_last, inner = True, module.inner
        if isinstance(inner, T._Concat):
            return f"torch.cat([{', '.join(args)}], dim={inner.dim})"
        if isinstance(inner, T._Merge):
            return _merge(inner.op, args)
        if isinstance(inner, T._Reshape):
            dims = ", ".join(str(d) for d in inner.shape)
            return f"{args[0]}.reshape({args[0]}.shape[0], {dims})"
        if isinstance(inner, T._GlobalPool):
            first = 1 if channels_last else 2
            dims = tuple(range(first, first + len(inner.dims)))
            fn = "mean" if inner.op == "avg" else "amax"
            return f"{args[0]}.{fn}(dim={S.literal(dims)}, keepdim={inner.keepdims})"
        if isinstance(inner, T._Permute):
            return f"{args[0]}.permute(0, {', '.join(str(d) for d in inner.dims)})"
        if isinstance(inner, T._Crop):
            index = ["..."] if channels_last else [":", ":"]
            cut = [f"{b}:{-a if a else ''}" for b, a in inner.pairs]
            index = [":", *cut, ":"] if channels_last else [*index, *cut]
            return f"{args[0]}[{', '.join(index)}]"
        return None

    # --- modules written in __init__ -----------------------------------------------
    def render(self, module: nn.Module) -> str:
        if isinstance(module, nn.Sequential):
            return "nn.Sequential(" + ", ".join(self.render(m) for m in module) + ")"
        if isinstance(module, T._ChannelsLast):
            self.used.append(T._ChannelsLast)
            return f"ChannelsLast({self.render(module.inner)})"
        if isinstance(module, T._TransposeTo):
            self.used.append(T._TransposeTo)
            return f"TransposeTo({self.render(module.conv)}, {S.literal(tuple(module.size))})"
        if isinstance(module, T._AvgPoolExcludingPad):
            self.used.append(T._AvgPoolExcludingPad)
            return f"AvgPoolExcludingPad({self.render(module.pool)}, {self.render(module.pad)})"
        if isinstance(module, T._CropTo):
            self.used.append(T._CropTo)
            return (
                f"CropTo({module.split!r}, {module.mode!r}, {module.channels_last}, "
                f"{module.name!r})"
            )
        if isinstance(module, T._Pad):
            return _pad(module)
        if type(module).__module__.startswith("torch.nn"):
            return _nn_call(module)
        raise S.SpecError(
            f"the PyTorch exporter built a {type(module).__name__}, which has no source form"
        )


def _merge(op: str, args: list[str]) -> str:
    if op in _MERGE_OPS:
        return _MERGE_OPS[op].join(args)
    if op == "average":
        return f"({' + '.join(args)}) / {len(args)}"
    fn = "torch.maximum" if op == "maximum" else "torch.minimum"
    expr = args[0]
    for a in args[1:]:
        expr = f"{fn}({expr}, {a})"
    return expr


def _pad(module: Any) -> str:
    amounts = tuple(int(a) for a in module.pad)
    rank = len(amounts) // 2
    if module.mode == "constant":
        if module.value == 0:
            return f"nn.ZeroPad{rank}d({S.literal(amounts)})"
        return f"nn.ConstantPad{rank}d({S.literal(amounts)}, {S.literal(float(module.value))})"
    return f"nn.{_PAD_CLASSES[module.mode]}{rank}d({S.literal(amounts)})"


def _nn_call(module: nn.Module) -> str:
    """``nn.X(...)`` from the constructor signature and the values the module holds:
    required arguments positionally, the rest by keyword when not the default."""
    cls = type(module)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    positional: list[str] = []
    keywords: list[str] = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in ("device", "dtype"):
            continue
        if not hasattr(module, p.name):
            continue
        value = getattr(module, p.name)
        if isinstance(value, torch.Tensor) or (value is None and p.name == "bias"):
            value = value is not None  # bias=True/False: a parameter or none
        # LayerNorm's normalized_shape (6, 6) covers two axes; (6,) -> 6 is the same.
        if p.name != "normalized_shape" or len(value) == 1:
            value = S.compact(value)
        if isinstance(value, torch.Size):
            value = tuple(value)
        if p.name == "padding" and value == "valid":
            continue  # the same as the default 0
        if p.default is inspect.Parameter.empty:
            positional.append(S.literal(value))
        elif value != S.compact(p.default):
            keywords.append(f"{p.name}={S.literal(value)}")
    return f"nn.{cls.__name__}({', '.join([*positional, *keywords])})"
