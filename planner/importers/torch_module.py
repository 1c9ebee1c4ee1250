"""PyTorch modules as planner networks, captured with ``torch.export``.

``package.module:attr`` names an ``nn.Module`` class (called without arguments), a
factory returning a module, or a module instance. **This imports the user's module
and runs its code** (the constructor, and ``forward`` once under ``torch.export``
at the given input size); it happens only when this form is given.

``torch.export`` records the ATen graph of one forward at a concrete size, so the
functional calls a module tree does not show are seen: ``F.pad``, ``torch.cat``,
``F.interpolate``, ``x[..., a:b]`` crops, ``x + y``. Each ATen op maps back to a
planner layer named after the module that ran it (``nn_module_stack``):
``down1.conv1`` for a module call, ``down1.relu`` for a functional call inside
``down1``. Sizes computed from ``x.shape`` are numbers at the captured size, which
is what the network is at that size (the crops of a U-Net then become fixed crops).
"""

from __future__ import annotations

import importlib
from typing import Any

from planner.errors import SpecError
from planner.importers import ImportResult, Problem

_ACTIVATIONS = {
    "relu": "relu", "relu_": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "gelu": "gelu",
    "silu": "silu", "silu_": "silu", "elu": "elu", "selu": "selu", "mish": "mish",
    "softplus": "softplus", "hardswish": "hardswish", "hardsigmoid": "hardsigmoid",
    "leaky_relu": "leakyrelu", "leaky_relu_": "leakyrelu", "softmax": "softmax",
    "_softmax": "softmax", "log_softmax": "logsoftmax", "_log_softmax": "logsoftmax",
    "prelu": "prelu", "relu6": "relu6", "hardtanh": "hardtanh",
}  # fmt: skip
_PASS = {"dropout", "dropout_", "clone", "detach", "alias", "contiguous", "_assert_tensor_metadata",
         "feature_dropout", "to", "_to_copy", "lift_fresh_copy"}  # fmt: skip
_MERGES = {"add": "add", "sub": "subtract", "mul": "multiply", "maximum": "maximum",
           "minimum": "minimum"}  # fmt: skip


def load_object(spec: str) -> Any:
    """The module named by ``package.module:attr`` (imports and runs user code)."""
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(f"cannot import {module_name!r}: {exc}", field="SOURCE") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SpecError(f"{module_name} has no attribute {attr!r}", field="SOURCE")
        obj = getattr(obj, part)
    return obj


def import_torch(spec: str | Any, input_shape: list[Any] | None) -> ImportResult:
    """A planner network from a PyTorch module, captured at ``input_shape``
    (without the batch axis). Runs the user's code (see the module docstring)."""
    import torch
    from torch import nn

    if input_shape is None or not all(isinstance(d, int) for d in input_shape):
        raise SpecError(
            "a PyTorch module is captured at a concrete size: give --input, e.g. 3,224,224",
            field="--input",
        )
    obj = load_object(spec) if isinstance(spec, str) else spec
    if (isinstance(obj, type) and issubclass(obj, nn.Module)) or (
        callable(obj) and not isinstance(obj, nn.Module)
    ):
        obj = obj()
    if not isinstance(obj, nn.Module):
        raise SpecError(f"{spec} is not an nn.Module (nor a class or factory of one)")
    example = torch.zeros(1, *input_shape)
    try:
        exported = torch.export.export(obj.eval(), (example,))
    except Exception as exc:  # torch.export raises many kinds
        raise SpecError(
            f"torch.export could not capture {spec}: {type(exc).__name__}: {exc}"
        ) from None
    name = spec if isinstance(spec, str) else type(obj).__name__
    return _Reader(exported, str(name), list(input_shape)).read()


class _Unsupported(Exception):
    pass


class _Reader:
    def __init__(self, exported: Any, source: str, shape: list[int]):
        self.exported = exported
        self.source = source
        self.shape = shape
        self.tensor: dict[str, str] = {}
        self.dropped: dict[str, str] = {}
        self.layers: list[dict[str, Any]] = []
        self.names: set[str] = {"input"}
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.origins: dict[str, str] = {}

    def read(self) -> ImportResult:
        graph = self.exported.graph
        signature = self.exported.graph_signature
        user_inputs = list(signature.user_inputs)
        for node in graph.nodes:
            if node.op == "placeholder" and node.name in user_inputs:
                self.tensor[node.name] = "input"
            elif node.op == "call_function":
                self.node(node)
        data = {"name": self.source.rpartition(":")[2] or "imported", "framework": "torch",
                "input_shape": self.shape, "layers": self.layers}  # fmt: skip
        return ImportResult(self.source, data, self.problems, self.notes, self.origins)

    def node(self, node: Any) -> None:
        op = getattr(node.target, "__name__", str(node.target)).split(".")[0]
        name = self.layer_name(node, op)
        args = list(node.args)
        tensors = [a.name for a in _nodes(args)]
        lost = [t for t in tensors if t in self.dropped]
        if lost:
            self.problems.append(
                Problem(
                    name,
                    op,
                    f"its input comes from {self.dropped[lost[0]]}, which could not be imported",
                )
            )
            self.dropped[node.name] = name
            return
        if op in _PASS or op == "getitem":
            if tensors and tensors[0] in self.tensor:
                self.tensor[node.name] = self.tensor[tensors[0]]
            return
        if not any(t in self.tensor for t in tensors):
            return  # a computation on parameters or constants only
        try:
            layer = self.layer(op, node, args)
        except _Unsupported as exc:
            self.problems.append(Problem(name, op, str(exc)))
            self.dropped[node.name] = name
            return
        if layer is None:
            self.tensor[node.name] = self.tensor[tensors[0]]
            return
        layer["name"] = name
        self.names.add(name)
        self.layers.append(layer)
        self.tensor[node.name] = name
        self.origins[name] = node.name

    def layer_name(self, node: Any, op: str) -> str:
        stack = node.meta.get("nn_module_stack") or {}
        path, cls = list(stack.values())[-1] if stack else ("", "")
        own = cls.rpartition(".")[2].lower()
        # A module's own op takes the module's name; a functional call is path.op.
        base = path if path and _is_own_op(own, op) else ".".join(p for p in (path, op) if p)
        name, n = base or op, 0
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        return name

    def src(self, args: list[Any]) -> list[str]:
        return [self.tensor[args[0].name]]

    def layer(self, op: str, node: Any, args: list[Any]) -> dict[str, Any] | None:
        if op in ("conv1d", "conv2d", "conv3d", "convolution"):
            return self.conv(op, args)
        if op.startswith("conv_transpose"):
            x, w, b = args[0], args[1], args[2] if len(args) > 2 else None
            rest = list(args[3:]) + [None] * 5
            stride, padding, output_padding, groups, dilation = rest[:5]
            shape = _shape(w)
            layer = {"type": "conv_transpose", "filters": shape[1] * (groups or 1),
                     "kernel_size": shape[2:], "groups": groups or 1, "use_bias": b is not None,
                     "inputs": self.src([x])}  # fmt: skip
            _put(
                layer,
                strides=stride,
                padding=padding,
                output_padding=output_padding,
                dilation=dilation,
            )
            return layer
        if op in ("max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices"):
            rest = list(args[1:]) + [None] * 5
            kernel, stride, padding, dilation, ceil = rest[:5]
            layer = {"type": "max_pool", "pool_size": kernel, "inputs": self.src(args)}
            _put(layer, strides=stride or None, padding=padding, dilation=dilation, ceil_mode=ceil)
            return layer
        if op in ("avg_pool1d", "avg_pool2d", "avg_pool3d"):
            rest = list(args[1:]) + [None] * 6
            kernel, stride, padding, ceil, include, divisor = rest[:6]
            if divisor is not None:
                raise _Unsupported("avg_pool with divisor_override")
            layer = {"type": "avg_pool", "pool_size": kernel, "inputs": self.src(args)}
            _put(
                layer,
                strides=stride or None,
                padding=padding,
                ceil_mode=ceil,
                count_include_pad=include,
            )
            return layer
        if op.startswith("adaptive_") and "pool" in op:
            size = args[1]
            if any(s != 1 for s in size):
                raise _Unsupported(f"adaptive pooling to {list(size)}: planner pools to 1")
            kind = "avg" if "avg" in op else "max"
            return {"type": "global_pool", "op": kind, "keepdims": True, "inputs": self.src(args)}
        if op == "mean" and len(args) > 1:
            rank = len(self.shape) - 1
            dims = sorted(d % (rank + 2) for d in args[1])
            if dims != list(range(2, rank + 2)):
                raise _Unsupported(f"mean over dims {list(args[1])} is not a global pool")
            keep = bool(args[2]) if len(args) > 2 else bool(node.kwargs.get("keepdim", False))
            return {"type": "global_pool", "op": "avg", "keepdims": keep, "inputs": self.src(args)}
        if op in _ACTIVATIONS:
            return self.activation(op, node, args)
        if op in ("batch_norm", "_native_batch_norm_legit_no_training", "native_batch_norm"):
            momentum, eps = (args[6], args[7]) if op == "batch_norm" else (args[5], args[6])
            return {
                "type": "batch_norm",
                "epsilon": eps,
                "momentum": momentum,
                "inputs": self.src(args),
            }
        if op == "cat":
            return {"type": "concatenate", "axis": args[1] if len(args) > 1 else 0,
                    "inputs": [self.tensor[t.name] for t in args[0]]}  # fmt: skip
        if op in _MERGES:
            tensors = [a for a in args if hasattr(a, "name")]
            if len(tensors) == 2 and all(t.name in self.tensor for t in tensors):
                return {
                    "type": "add",
                    "op": _MERGES[op],
                    "inputs": [self.tensor[t.name] for t in tensors],
                }
            raise _Unsupported(f"{op} with a constant or parameter has no planner layer")
        if op in ("pad", "constant_pad_nd"):
            mode = args[2] if op == "pad" and len(args) > 2 else "constant"
            value = (
                (args[3] if len(args) > 3 else None)
                if op == "pad"
                else (args[2] if len(args) > 2 else 0)
            )
            if mode != "constant" or (value not in (None, 0, 0.0)):
                raise _Unsupported(f"pad mode {mode!r} value {value}: planner pads with zeros")
            return {"type": "zero_padding", "padding": list(args[1]), "inputs": self.src(args)}
        if op == "slice":
            return self.slice(args)
        if op.startswith("upsample_"):
            return self.upsample(op, node, args)
        if op == "linear":
            shape = _shape(args[1])
            bias = len(args) > 2 and args[2] is not None
            return {"type": "dense", "units": shape[0], "use_bias": bias, "inputs": self.src(args)}
        if op in ("flatten", "view", "reshape"):
            if op == "flatten":
                start = args[1] if len(args) > 1 else 0
                end = args[2] if len(args) > 2 else -1
                if (start, end) == (1, -1):
                    return {"type": "flatten", "inputs": self.src(args)}
                raise _Unsupported(f"flatten of dims {start}..{end}: planner keeps the batch")
            out = list(_shape(node))
            if len(out) == 2:
                return {"type": "flatten", "inputs": self.src(args)}
            return {"type": "reshape", "target_shape": out[1:], "inputs": self.src(args)}
        raise _Unsupported(f"planner has no layer for aten.{op}")

    def conv(self, op: str, args: list[Any]) -> dict[str, Any]:
        x, w = args[0], args[1]
        b = args[2] if len(args) > 2 else None
        rest = list(args[3:]) + [None] * 6
        if op == "convolution":
            stride, padding, dilation, transposed, _, groups = rest[:6]
            if transposed:
                raise _Unsupported("a transposed aten.convolution")
        else:
            stride, padding, dilation, groups = rest[:4]
        shape = _shape(w)
        layer = {"type": "conv", "filters": shape[0], "kernel_size": shape[2:],
                 "groups": groups or 1, "use_bias": b is not None, "inputs": self.src([x])}  # fmt: skip
        _put(layer, strides=stride, padding=padding, dilation=dilation)
        return layer

    def activation(self, op: str, node: Any, args: list[Any]) -> dict[str, Any]:
        key = _ACTIVATIONS[op]
        layer: dict[str, Any] = {"type": "activation", "activation": key, "inputs": self.src(args)}
        if key == "leakyrelu":
            layer["negative_slope"] = args[1] if len(args) > 1 else 0.01
        if key == "hardtanh":
            low, high = [*args[1:3], -1.0, 1.0][:2]
            if (low, high) == (0.0, 6.0):
                layer["activation"] = "relu6"
            elif (low, high) != (-1.0, 1.0):
                raise _Unsupported(f"hardtanh({low}, {high})")
        if key in ("softmax", "logsoftmax"):
            dim = args[1] if len(args) > 1 else -1
            rank = len(_shape(args[0]))
            if dim % rank != 1:
                raise _Unsupported(f"{op} over dim {dim}: planner's runs over channels")
        if key == "gelu" and node.kwargs.get("approximate", "none") != "none":
            layer["activation"] = "gelu"
            raise _Unsupported("gelu with the tanh approximation in a PyTorch network")
        return layer

    def slice(self, args: list[Any]) -> dict[str, Any] | None:
        shape = _shape(args[0])
        dim = (args[1] if len(args) > 1 else 0) % len(shape)
        start = args[2] if len(args) > 2 and args[2] is not None else 0
        end = args[3] if len(args) > 3 and args[3] is not None else shape[dim]
        step = args[4] if len(args) > 4 else 1
        n = shape[dim]
        begin = max(0, min(n, start + n if start < 0 else start))
        stop = max(0, min(n, end + n if end < 0 else end))
        if (begin, stop) == (0, n) and step == 1:
            return None  # a full slice (x[:, :]) changes nothing
        if dim < 2 or step != 1:
            raise _Unsupported(f"a slice of dim {dim} with step {step} is not a spatial crop")
        crop = [[0, 0] for _ in shape[2:]]
        crop[dim - 2] = [begin, n - stop]
        return {"type": "cropping", "cropping": crop, "inputs": self.src(args)}

    def upsample(self, op: str, node: Any, args: list[Any]) -> dict[str, Any]:
        mode = op.removeprefix("upsample_").removesuffix("1d").removesuffix("2d").removesuffix("3d")
        mode = {"nearest": "nearest", "bilinear": "bilinear", "linear": "linear",
                "trilinear": "trilinear", "bicubic": "bicubic", "_nearest_exact": "nearest-exact",
                "nearest_exact": "nearest-exact"}.get(mode, mode)  # fmt: skip
        layer: dict[str, Any] = {"type": "upsample", "mode": mode, "inputs": self.src(args)}
        size = args[1] if len(args) > 1 else None
        scales = args[-1] if len(args) > 2 else None
        if "linear" in mode or "cubic" in mode:
            layer["align_corners"] = bool(args[2]) if len(args) > 2 else False
        if scales:
            layer["scale"] = [int(s) if float(s).is_integer() else float(s) for s in scales]
        elif size:
            layer["output_size"] = list(size)
        else:
            layer["output_size"] = list(_shape(node)[2:])
        return layer


def _is_own_op(module_cls: str, op: str) -> bool:
    own = {
        "conv1d": "conv", "conv2d": "conv", "conv3d": "conv", "convtranspose1d": "conv_transpose",
        "convtranspose2d": "conv_transpose", "convtranspose3d": "conv_transpose",
        "maxpool1d": "max_pool", "maxpool2d": "max_pool", "maxpool3d": "max_pool",
        "avgpool1d": "avg_pool", "avgpool2d": "avg_pool", "avgpool3d": "avg_pool",
        "batchnorm1d": "batch_norm", "batchnorm2d": "batch_norm", "batchnorm3d": "batch_norm",
        "linear": "linear", "upsample": "upsample", "flatten": "flatten",
        "adaptiveavgpool2d": "adaptive", "adaptivemaxpool2d": "adaptive", "zeropad2d": "pad",
        "constantpad2d": "pad",
    }.get(module_cls)  # fmt: skip
    if own is None:
        return module_cls in _ACTIVATIONS or module_cls.replace("_", "") in (
            a.replace("_", "") for a in _ACTIVATIONS
        )
    return (
        op.startswith(own)
        or (own == "batch_norm" and "batch_norm" in op)
        or (own == "pad" and op in ("pad", "constant_pad_nd"))
    )


def _nodes(args: Any) -> list[Any]:
    out: list[Any] = []
    for a in args:
        if isinstance(a, list | tuple):
            out.extend(_nodes(a))
        elif hasattr(a, "op") and hasattr(a, "name"):
            out.append(a)
    return out


def _shape(node: Any) -> list[int]:
    value = node.meta.get("val")
    return [int(d) for d in value.shape]


def _put(layer: dict[str, Any], **fields: Any) -> None:
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = list(value)
        layer[key] = value
