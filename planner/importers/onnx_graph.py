"""ONNX models as planner networks (``onnx`` reads the file; nothing is run but the
constant parts of the graph).

Each node becomes a planner layer named after the node (``/down1/conv1/Conv`` ->
``down1.conv1.Conv``). The ONNX arithmetic is planner's ``onnx`` dialect, so
attributes map one to one: ``pads`` (all begins, then all ends), ``auto_pad``,
``kernel_shape`` (else the weight's shape), ``dilations``, ``group``,
``ceil_mode``, ``count_include_pad`` (0 by default in ONNX), ConvTranspose's
``output_padding`` / ``output_shape``.

Constant parts are folded first: any node whose inputs are all known (initializers,
``Constant``, ``Shape`` of a tensor whose shape inference knows) is evaluated with
``onnx.reference``, so the ``Shape -> Gather -> Concat`` chains exporters write for
``F.pad`` and ``Resize`` become plain numbers. A ``Resize`` whose ``sizes`` do not
depend on any ``Shape`` was fixed when the model was exported: it is imported as a
fixed output size and flagged (the model then works at that input size only).

``Slice`` on spatial axes (step 1) is a crop; ``MatMul`` + ``Add`` of a constant is a
dense layer with bias. Every other op is a problem naming the node and its op.

Channels-last graphs (Keras models exported to ONNX) are read in channels-first
order: each tensor is followed either as it is or as the channels-last view of a
planner layer's output. A ``Transpose`` that only moves the channel axis between
last and first (``[0, 3, 1, 2]`` / ``[0, 2, 3, 1]`` and their 1D/3D forms) is a
data-format change, not a layer; a graph input transposed to channels-first is the
network's input in channels-first order. Elementwise ops, a bias ``Add`` after a
convolution, ``Concat`` and the ``Unsqueeze -> Expand -> Reshape`` repeat that
Keras' ``UpSampling`` exports follow the view; any other ``Transpose`` is a
``permute`` layer. A note lists the Transposes read as layout changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from planner.errors import SpecError
from planner.importers import ImportResult, Problem

_ACTIVATIONS = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Elu": "elu", "Selu": "selu",
    "Softplus": "softplus", "Softsign": "softsign", "HardSigmoid": "hardsigmoid",
    "HardSwish": "hardswish", "Gelu": "gelu", "Mish": "mish", "LeakyRelu": "leakyrelu",
    "PRelu": "prelu", "Softmax": "softmax", "LogSoftmax": "logsoftmax",
}  # fmt: skip
_MERGES = {"Add": "add", "Sub": "subtract", "Mul": "multiply", "Max": "maximum",
           "Min": "minimum", "Mean": "average"}  # fmt: skip
_SYMBOLS = {1: ["W"], 2: ["H", "W"], 3: ["D", "H", "W"]}


def import_onnx(source: str | Path | Any, input_shape: list[Any] | None = None) -> ImportResult:
    """A planner network from an ONNX file (or a loaded ``ModelProto``)."""
    import onnx

    if isinstance(source, str | Path):
        try:
            model = onnx.load(str(source))
        except Exception as exc:  # onnx raises DecodeError and others
            raise SpecError(f"{source}: not an ONNX model ({exc})") from None
        name = str(source)
    else:
        model, name = source, "<onnx model>"
    return _Reader(model, name, input_shape).read()


class _Reader:
    def __init__(self, model: Any, source: str, input_shape: list[Any] | None):
        import onnx

        self.source = source
        self.override = input_shape
        model, self.from_shapes = _fold_shape_chains(_batch_of_one(model))
        self.model = onnx.shape_inference.infer_shapes(model, data_prop=True)
        self.graph = self.model.graph
        self.const: dict[str, Any] = {}
        # The constants again with the input's spatial sizes changed (where that can
        # be told): a value that stays the same does not follow the input size.
        self.alt: dict[str, Any] = {}
        self.input_name = ""
        self.shapes: dict[str, list[Any]] = {}
        self.tensor: dict[str, str] = {}  # tensor -> planner layer (or the input)
        self.dropped: dict[str, str] = {}  # tensor -> the node that could not be read
        self.layers: list[dict[str, Any]] = []
        self.by_name: dict[str, dict[str, Any]] = {}
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.origins: dict[str, str] = {}
        self.last: set[str] = set()  # tensors that are a channels-last view
        self.layout_changes: list[str] = []  # Transposes read as layout changes
        # Unsqueeze -> Expand -> Reshape (a repeat along one axis) in progress:
        # tensor -> (source tensor, unsqueezed axis, repeats)
        self.repeats: dict[str, tuple[str, int, int]] = {}
        self.repeat_layers: set[str] = set()
        self.edge_pads: dict[str, list[int]] = {}  # edge-padded tensor -> ONNX pads
        self.users: dict[str, set[str]] = {}  # tensor -> the ops reading it

    # --- the walk -------------------------------------------------------------------
    def read(self) -> ImportResult:
        from onnx import numpy_helper

        for init in self.graph.initializer:
            self.const[init.name] = numpy_helper.to_array(init)
        for node in self.graph.node:
            for i in node.input:
                self.users.setdefault(i, set()).add(node.op_type)
        for vi in [*self.graph.value_info, *self.graph.input, *self.graph.output]:
            dims = [
                d.dim_value if d.HasField("dim_value") else None
                for d in vi.type.tensor_type.shape.dim
            ]
            self.shapes[vi.name] = dims
        inputs = [i for i in self.graph.input if i.name not in self.const]
        if len(inputs) != 1:
            raise SpecError(
                f"{self.source}: the model has {len(inputs)} inputs "
                f"({', '.join(i.name for i in inputs)}); a planner network has one"
            )
        graph_input = inputs[0]
        self.input_name = graph_input.name
        # Values folded ahead from the shapes of inner tensors do not say how they
        # follow the input size: they never flag a fixed-size Resize.
        self.alt.update({k: v for k, v in self.const.items() if k not in self.from_shapes})
        self.tensor[graph_input.name] = "input"
        channels_last = self._fed_to_channels_first(graph_input.name)
        if channels_last:
            self.last.add(graph_input.name)
        shape = self._input_shape(graph_input, channels_last)
        for index, node in enumerate(self.graph.node):
            self.node(node, index)
        self._merge_repeats()
        if self.layout_changes:
            self.notes.append(
                "Transposes read as layout changes between channels-last and channels-first "
                f"(not layers): {', '.join(self.layout_changes)}"
            )
        data = {"name": Path(self.source).stem or "imported", "framework": "onnx",
                "input_shape": shape, "layers": self.layers}  # fmt: skip
        return ImportResult(self.source, data, self.problems, self.notes, self.origins)

    def _fed_to_channels_first(self, name: str) -> bool:
        """Whether the graph input goes (through casts) into a Transpose to channels-first."""
        frontier, seen = [name], set()
        while frontier:
            tensor = frontier.pop()
            seen.add(tensor)
            for node in self.graph.node:
                if tensor not in node.input:
                    continue
                if node.op_type in ("Cast", "Identity") and node.output[0] not in seen:
                    frontier.append(node.output[0])
                elif node.op_type == "Transpose":
                    perm = list(_attributes(node).get("perm", []))
                    if len(perm) >= 3 and perm == _to_first(len(perm)):
                        return True
        return False

    def _input_shape(self, graph_input: Any, channels_last: bool = False) -> list[Any]:
        if self.override is not None:
            return list(self.override)
        dims = []
        for d in graph_input.type.tensor_type.shape.dim[1:]:
            dims.append(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None)
        if channels_last:
            dims = dims[-1:] + dims[:-1]  # as ONNX sees it after the Transpose
        rank = len(dims) - 1
        symbols = iter(_SYMBOLS.get(rank, [f"S{i}" for i in range(rank)]))
        if dims and dims[0] is None:
            raise SpecError(f"{self.source}: the input's channel axis is free; give --input")
        out = [next(symbols) if d is None else d for d in dims]
        if any(isinstance(d, str) for d in out):
            self.notes.append(f"free input sizes became symbols ({out}); give --input for numbers")
        return out

    def node(self, node: Any, index: int) -> None:
        ins = [i for i in node.input if i]
        lost = [i for i in ins if i in self.dropped]
        if lost:
            self.problems.append(
                Problem(self.layer_name(node, index), node.op_type,
                        f"its input comes from {self.dropped[lost[0]]}, which could not be imported")
            )  # fmt: skip
            self.drop(node, self.layer_name(node, index))
            return
        if self.foldable(node, ins):
            self.fold(node, ins)
            return
        if node.op_type == "Cast" and ins[0] in self.tensor and _attributes(node).get("to") == 1:
            self.alias(node.output[0], ins[0])  # float32 to float32
            return
        if node.op_type in ("Identity", "Dropout") and ins[0] in self.tensor:
            self.alias(node.output[0], ins[0])
            return
        name = self.layer_name(node, index)
        try:
            if self.follow(node, ins, name):
                return
            # Optional inputs keep their positions (an empty name where left out).
            layer = self.layer(node, list(node.input), name)
        except _Unsupported as exc:
            self.problems.append(Problem(name, node.op_type, str(exc)))
            self.drop(node, name)
            return
        if layer is None:
            return
        layer["name"] = name
        self.layers.append(layer)
        self.by_name[name] = layer
        self.tensor[node.output[0]] = name
        self.origins[name] = node.output[0]
        if node.op_type in _KEEPS_LAYOUT and any(i in self.last for i in ins):
            self.last.add(node.output[0])

    def alias(self, out: str, tensor: str, last: bool | None = None) -> None:
        """``out`` is ``tensor`` again (channels-last when ``last``, else as ``tensor``)."""
        self.tensor[out] = self.tensor[tensor]
        if tensor in self.repeats:
            self.repeats[out] = self.repeats[tensor]
        if (tensor in self.last) if last is None else last:
            self.last.add(out)

    # --- channels-last views --------------------------------------------------------
    def follow(self, node: Any, ins: list[str], name: str) -> bool:
        """Read a node that only moves data around in a followed tensor; True if read."""
        op = node.op_type
        if not ins or ins[0] not in self.tensor:
            return False
        src, out = ins[0], node.output[0]
        rank = len(self.shapes.get(src) or [])
        if op == "Transpose":
            perm = [int(p) for p in _attributes(node).get("perm", range(rank)[::-1])]
            # The planner tensor seen through this node's output, as one permutation.
            view = [_to_last(len(perm))[p] for p in perm] if src in self.last else perm
            if view == list(range(len(perm))):
                self.alias(out, src, last=False)
            elif len(perm) >= 3 and view == _to_last(len(perm)):
                self.alias(out, src, last=True)
            else:
                return False  # a real permutation: a layer
            self.layout_changes.append(name)
            return True
        if op == "Unsqueeze":
            axes = _attributes(node).get("axes")
            if axes is None and len(ins) > 1:
                axes = [int(a) for a in self.constant(ins[1], "axes")]
            if axes is None or len(axes) != 1 or src in self.repeats:
                return False
            axis = int(axes[0]) % (rank + 1)
            if axis == 0:
                return False
            self.repeats[out] = (src, axis, 1)
            self.tensor[out] = self.tensor[src]
            return True
        if op == "Expand" and src in self.repeats:
            origin, axis, _ = self.repeats[src]
            target = [int(d) for d in self.constant(ins[1], "shape")]
            shape = self.shapes.get(src) or []
            if len(target) != len(shape) or any(
                t not in (1, s)
                for i, (t, s) in enumerate(zip(target, shape, strict=True))
                if i != axis
            ):
                raise _Unsupported(f"an Expand of shape {target} is not a repeat along one axis")
            self.repeats[out] = (origin, axis, target[axis])
            self.tensor[out] = self.tensor[src]
            return True
        if op == "Reshape" and src in self.repeats:
            return self.repeat(node, ins, name)
        if op == "Pad" and _text(_attributes(node).get("mode", "constant")) == "edge":
            # Keras' 'same' max pooling on the torch backend: replicate the border, then
            # pool. Max pooling over replicated border cells equals padding with -inf
            # (each window keeps the border cell it copies), so the pool takes the pads.
            if self.users.get(out, set()) - {"MaxPool"} or src in self.last:
                return False
            pads = [int(p) for p in self.constant(ins[1], "pads")]
            rank = len(pads) // 2
            if any(pads[i] or pads[i + rank] for i in range(2)):
                return False
            self.edge_pads[out] = pads[2:rank] + pads[rank + 2 :]
            self.tensor[out] = self.tensor[src]
            return True
        return False

    def repeat(self, node: Any, ins: list[str], name: str) -> bool:
        """``Unsqueeze -> Expand -> Reshape`` merging the new axis into the one before it:
        nearest upsampling of that axis (how Keras exports ``UpSampling``)."""
        origin, axis, times = self.repeats[ins[0]]
        target = [int(d) for d in self.constant(ins[1], "shape")]
        shape = list(self.shapes.get(origin) or [])
        expected = [*shape]
        if axis - 1 < len(expected) and isinstance(expected[axis - 1], int):
            expected[axis - 1] *= times
        if target[1:] != expected[1:] or not all(isinstance(d, int) for d in shape):
            raise _Unsupported(
                f"a Reshape to {target[1:]} after an Unsqueeze/Expand is not a repeat"
            )
        rank = len(shape)
        spatial = axis - 1 - (1 if origin in self.last else 2)  # axis - 1 in planner order
        if not 0 <= spatial < rank - 2:
            raise _Unsupported(f"a repeat along axis {axis - 1}, which is not spatial")
        scale = [1] * (rank - 2)
        scale[spatial] = times
        layer = {"type": "upsample", "mode": "nearest", "scale": scale,
                 "inputs": [self.tensor[origin]], "name": name}  # fmt: skip
        self.layers.append(layer)
        self.by_name[name] = layer
        self.repeat_layers.add(name)
        self.tensor[node.output[0]] = name
        self.origins[name] = node.output[0]
        if origin in self.last:
            self.last.add(node.output[0])
        return True

    def _merge_repeats(self) -> None:
        """One upsampling layer per Keras ``UpSampling``: consecutive repeats along
        different axes, the first used only by the second, become one layer."""
        users: dict[str, int] = {}
        for layer in self.layers:
            for i in layer.get("inputs") or []:
                users[i] = users.get(i, 0) + 1
        outputs = {o.name for o in self.graph.output}
        for layer in list(self.layers):
            if layer["name"] not in self.repeat_layers or len(layer["inputs"]) != 1:
                continue
            first = self.by_name.get(layer["inputs"][0])
            if (
                first is None
                or first["name"] not in self.repeat_layers
                or users.get(first["name"]) != 1
                or self.origins[first["name"]] in outputs
                or any(a != 1 and b != 1 for a, b in zip(first["scale"], layer["scale"],
                                                          strict=True))
            ):  # fmt: skip
                continue
            layer["scale"] = [a * b for a, b in zip(first["scale"], layer["scale"], strict=True)]
            layer["inputs"] = first["inputs"]
            self.layers.remove(first)
            del self.by_name[first["name"]]
            del self.origins[first["name"]]

    def drop(self, node: Any, name: str) -> None:
        for out in node.output:
            self.dropped[out] = name

    def layer_name(self, node: Any, index: int) -> str:
        base = node.name.strip("/").replace("/", ".") or f"{node.op_type.lower()}_{index}"
        name, n = base, 0
        while name in self.by_name or name == "input":
            n += 1
            name = f"{base}_{n}"
        return name

    # --- constants --------------------------------------------------------------------
    def foldable(self, node: Any, ins: list[str]) -> bool:
        if node.op_type == "Constant":
            return True
        if node.op_type == "Shape":
            shape = self.shapes.get(ins[0])
            return shape is not None and all(isinstance(d, int) and d > 0 for d in shape)
        return bool(ins) and all(i in self.const for i in ins)

    def fold(self, node: Any, ins: list[str]) -> None:
        import numpy as np
        from onnx.reference import ReferenceEvaluator

        alt: list[Any] | None = None
        if node.op_type == "Shape":
            start = next((a.i for a in node.attribute if a.name == "start"), 0)
            end = next((a.i for a in node.attribute if a.name == "end"), None)
            shape = list(self.shapes[ins[0]])
            values = [np.array(shape[start:end], dtype=np.int64)]
            if ins[0] == self.input_name:
                if ins[0] in self.last:
                    other = shape[:1] + [2 * d + 3 for d in shape[1:-1]] + shape[-1:]
                else:
                    other = shape[:2] + [2 * d + 3 for d in shape[2:]]
                alt = [np.array(other[start:end], dtype=np.int64)]
        else:
            evaluator = ReferenceEvaluator(node)
            values = evaluator.run(None, {i: self.const[i] for i in ins})
            if all(i in self.alt for i in ins):
                alt = evaluator.run(None, {i: self.alt[i] for i in ins})
        for i, (out, value) in enumerate(zip(node.output, values, strict=False)):
            self.const[out] = value
            if alt is not None:
                self.alt[out] = alt[i]

    def constant(self, name: str, what: str) -> Any:
        if name not in self.const:
            raise _Unsupported(f"its {what} is computed at run time, not a constant")
        return self.const[name]

    # --- layers -----------------------------------------------------------------------
    def inputs_of(self, ins: list[str]) -> list[str]:
        return [self.tensor[i] for i in ins if i in self.tensor]

    def layer(self, node: Any, ins: list[str], name: str) -> dict[str, Any] | None:
        op = node.op_type
        attrs = _attributes(node)
        src = [self.tensor[ins[0]]] if ins and ins[0] in self.tensor else None
        if src is None and op not in _MERGES and op != "Concat":
            raise _Unsupported("its input is not a tensor planner follows")
        if op == "Transpose":
            return self.permute(attrs, ins, src, node.output[0])
        if op not in _KEEPS_LAYOUT and any(i in self.last for i in ins):
            raise _Unsupported(
                f"{op} of a channels-last tensor; planner reads the graph channels-first "
                "(only Transposes to channels-first, elementwise ops, Concat and bias Adds "
                "are followed on channels-last tensors)"
            )
        if op in ("Conv", "ConvTranspose"):
            return self.conv(op, attrs, ins, src)
        if op in ("MaxPool", "AveragePool"):
            layer = {"type": op, "inputs": src}
            for key in ("kernel_shape", "strides", "dilations", "auto_pad", "ceil_mode"):
                if key in attrs:
                    layer[key] = attrs[key]
            if "pads" in attrs:
                layer["pads"] = attrs["pads"]
            if ins[0] in self.edge_pads:
                if _text(attrs.get("auto_pad", "NOTSET")) != "NOTSET":
                    raise _Unsupported("an edge Pad before a MaxPool with auto_pad")
                edge = self.edge_pads[ins[0]]
                own = list(attrs.get("pads", [0] * len(edge)))
                layer["pads"] = [a + b for a, b in zip(own, edge, strict=True)]
            if op == "AveragePool":
                layer["count_include_pad"] = bool(attrs.get("count_include_pad", 0))
            if "auto_pad" in layer:
                layer["auto_pad"] = _auto_pad(layer["auto_pad"])
            if "ceil_mode" in layer:
                layer["ceil_mode"] = bool(layer["ceil_mode"])
            return layer
        if op in ("GlobalAveragePool", "GlobalMaxPool"):
            return {"type": op, "inputs": src}
        if op in _ACTIVATIONS:
            return self.activation(op, attrs, ins, src)
        if op == "Clip":
            low = self.const.get(ins[1]) if len(ins) > 1 and ins[1] else attrs.get("min")
            high = self.const.get(ins[2]) if len(ins) > 2 and ins[2] else attrs.get("max")
            if low is not None and high is not None and (float(low), float(high)) == (0.0, 6.0):
                return {"type": "activation", "activation": "relu6", "inputs": src}
            raise _Unsupported("Clip other than ReLU6 (0..6) has no planner layer")
        if op == "BatchNormalization":
            return {"type": "batch_norm", "epsilon": attrs.get("epsilon", 1e-5),
                    "momentum": attrs.get("momentum", 0.9), "inputs": src}  # fmt: skip
        if op == "Flatten":
            if attrs.get("axis", 1) != 1:
                raise _Unsupported(
                    f"Flatten axis={attrs['axis']}: planner flattens all but the batch"
                )
            return {"type": "flatten", "inputs": src}
        if op == "Gemm":
            return self.gemm(attrs, ins, src)
        if op == "MatMul":
            weight = self.constant(ins[1], "weight")
            if weight.ndim != 2:
                raise _Unsupported("MatMul with a weight that is not a matrix")
            return {
                "type": "dense",
                "units": int(weight.shape[1]),
                "use_bias": False,
                "inputs": src,
            }
        if op in _MERGES:
            return self.merge(op, ins, node)
        if op == "Concat":
            return self.concat(attrs, ins)
        if op == "Pad":
            return self.pad(attrs, ins, src)
        if op == "Slice":
            return self.slice(ins, src)
        if op in ("Resize", "Upsample"):
            return self.resize(op, attrs, ins, src, name)
        if op == "Reshape":
            shape = [int(d) for d in self.constant(ins[1], "shape")]
            return {"type": "reshape", "target_shape": shape[1:], "inputs": src}
        raise _Unsupported(f"planner has no layer for the ONNX op {op}")

    def conv(
        self, op: str, attrs: dict[str, Any], ins: list[str], src: list[str]
    ) -> dict[str, Any]:
        weight = self.constant(ins[1], "weight")
        group = int(attrs.get("group", 1))
        filters = weight.shape[0] if op == "Conv" else weight.shape[1] * group
        layer: dict[str, Any] = {
            "type": op,
            "filters": int(filters),
            "kernel_shape": attrs.get("kernel_shape", list(weight.shape[2:])),
            "group": group,
            "use_bias": len(ins) > 2 and bool(ins[2]),
            "inputs": src,
        }
        for key in ("strides", "dilations", "pads", "output_padding", "output_shape"):
            if key in attrs:
                layer[key] = attrs[key]
        if attrs.get("auto_pad", "NOTSET") != "NOTSET":
            layer["auto_pad"] = _auto_pad(attrs["auto_pad"])
        if "pads" not in layer and "auto_pad" not in layer:
            layer["pads"] = 0
        return layer

    def activation(
        self, op: str, attrs: dict[str, Any], ins: list[str], src: list[str]
    ) -> dict[str, Any]:
        layer: dict[str, Any] = {
            "type": "activation",
            "activation": _ACTIVATIONS[op],
            "inputs": src,
        }
        if op == "LeakyRelu":
            layer["negative_slope"] = attrs.get("alpha", 0.01)
        if op in ("Softmax", "LogSoftmax"):
            rank = len(self.shapes.get(ins[0]) or [])
            axis = attrs.get("axis", -1 if self.model.opset_import[0].version >= 13 else 1)
            if not (axis in (1, 1 - rank) or (rank == 2 and axis in (-1, 1))):
                raise _Unsupported(f"{op} over axis {axis}: planner's runs over channels")
        if op == "Gelu" and attrs.get("approximate", "none") != "none":
            raise _Unsupported("Gelu with the tanh approximation")
        return layer

    def gemm(self, attrs: dict[str, Any], ins: list[str], src: list[str]) -> dict[str, Any]:
        if (
            attrs.get("transA", 0)
            or attrs.get("alpha", 1.0) != 1.0
            or attrs.get("beta", 1.0) != 1.0
        ):
            raise _Unsupported("Gemm with transA, alpha or beta other than the defaults")
        weight = self.constant(ins[1], "weight")
        units = weight.shape[0] if attrs.get("transB", 0) else weight.shape[1]
        bias = len(ins) > 2 and bool(ins[2])
        return {"type": "dense", "units": int(units), "use_bias": bias, "inputs": src}

    def permute(
        self, attrs: dict[str, Any], ins: list[str], src: list[str], out: str
    ) -> dict[str, Any]:
        """A Transpose that is not a layout change: a ``permute`` layer in planner's order."""
        perm = [int(p) for p in attrs.get("perm", [])]
        if not perm or perm[0] != 0:
            raise _Unsupported(f"a Transpose (perm {perm or 'reversed'}) that moves the batch axis")
        if ins[0] in self.last:
            # In: the planner tensor seen channels-last; out: read channels-last again.
            view = [_to_last(len(perm))[p] for p in perm]
            perm = [view[t] for t in _to_first(len(perm))]
            self.last.add(out)
        return {"type": "permute", "dims": perm[1:], "inputs": src}

    def concat(self, attrs: dict[str, Any], ins: list[str]) -> dict[str, Any]:
        tensors = [i for i in ins if i in self.tensor]
        axis = int(attrs.get("axis", 1))
        if tensors and tensors[0] in self.last:
            if any(i not in self.last for i in tensors):
                raise _Unsupported("a Concat of channels-last and channels-first tensors")
            rank = len(self.shapes.get(tensors[0]) or [])
            axis %= rank
            axis = 1 if axis == rank - 1 else (0 if axis == 0 else axis + 1)
        return {"type": "concatenate", "axis": axis, "inputs": self.inputs_of(tensors)}

    def merge(self, op: str, ins: list[str], node: Any) -> dict[str, Any] | None:
        tensors = [i for i in ins if i in self.tensor]
        consts = [i for i in ins if i in self.const]
        if len(tensors) >= 2 and not consts:
            if len({i in self.last for i in tensors}) > 1:
                raise _Unsupported(f"{op} of channels-last and channels-first tensors")
            return {"type": "add", "op": _MERGES[op], "inputs": self.inputs_of(tensors)}
        if op == "Add" and len(tensors) == 1 and len(consts) == 1:
            prev = self.by_name.get(self.tensor[tensors[0]])
            bias_shape = tuple(self.const[consts[0]].shape)
            if (
                prev is not None
                and prev["type"] == "dense"
                and not prev["use_bias"]
                and bias_shape in ((prev["units"],), (1, prev["units"]))
            ):
                prev["use_bias"] = True  # MatMul + Add: one dense layer with bias
                self.tensor[node.output[0]] = self.tensor[tensors[0]]
                return None
            if (
                prev is not None
                and prev["type"] in ("Conv", "ConvTranspose")
                and not prev["use_bias"]
                and self.tensor[tensors[0]] == prev["name"]
                and _per_channel(bias_shape, prev["filters"], tensors[0] in self.last,
                                 len(self.shapes.get(tensors[0]) or []))
            ):  # fmt: skip
                prev["use_bias"] = True  # Keras' bias, added after moving channels last
                self.alias(node.output[0], tensors[0])
                return None
        raise _Unsupported(f"{op} with a constant tensor has no planner layer")

    def pad(self, attrs: dict[str, Any], ins: list[str], src: list[str]) -> dict[str, Any]:
        mode = attrs.get("mode", "constant")
        if isinstance(mode, bytes):
            mode = mode.decode()
        if mode != "constant":
            raise _Unsupported(f"Pad mode {mode!r}: planner pads with zeros")
        pads = attrs.get("pads")
        if pads is None:
            pads = [int(p) for p in self.constant(ins[1], "pads")]
        if len(ins) > 2 and ins[2] and float(self.constant(ins[2], "value")) != 0.0:
            raise _Unsupported("Pad with a value other than 0")
        if len(ins) > 3 and ins[3]:
            raise _Unsupported("Pad with axes")
        rank = len(pads) // 2
        pairs = [(int(pads[i]), int(pads[i + rank])) for i in range(rank)]
        if any(p != (0, 0) for p in pairs[:2]):
            raise _Unsupported(f"padding of the batch or channel axis {pairs[:2]}")
        return {"type": "zero_padding", "padding": [list(p) for p in pairs[2:]], "inputs": src}

    def slice(self, ins: list[str], src: list[str]) -> dict[str, Any]:
        shape = self.shapes.get(ins[0])
        if not shape or not all(isinstance(d, int) for d in shape):
            raise _Unsupported("a Slice of a tensor whose shape is not known")
        starts = [int(v) for v in self.constant(ins[1], "starts")]
        ends = [int(v) for v in self.constant(ins[2], "ends")]
        axes = list(range(len(starts)))
        if len(ins) > 3 and ins[3]:
            axes = [int(v) for v in self.constant(ins[3], "axes")]
        steps = [1] * len(starts)
        if len(ins) > 4 and ins[4]:
            steps = [int(v) for v in self.constant(ins[4], "steps")]
        crop = [[0, 0] for _ in shape[2:]]
        for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
            axis = axis % len(shape)
            n = shape[axis]
            begin = max(0, min(n, start + n if start < 0 else start))
            stop = max(0, min(n, end + n if end < 0 else end))
            if axis < 2 or step != 1:
                raise _Unsupported(f"a Slice of axis {axis} with step {step} is not a spatial crop")
            crop[axis - 2] = [begin, n - stop]
        return {"type": "cropping", "cropping": crop, "inputs": src}

    def resize(
        self, op: str, attrs: dict[str, Any], ins: list[str], src: list[str], name: str
    ) -> dict[str, Any]:
        mode = attrs.get("mode", "nearest")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        transform = attrs.get("coordinate_transformation_mode", b"half_pixel")
        transform = transform.decode() if isinstance(transform, bytes) else transform
        layer: dict[str, Any] = {"type": "upsample", "mode": mode, "inputs": src}
        if transform == "align_corners":
            layer["align_corners"] = True
        scales_name = ins[1] if op == "Upsample" else (ins[2] if len(ins) > 2 else "")
        sizes_name = ins[3] if op == "Resize" and len(ins) > 3 else ""
        scales = self.const.get(scales_name) if scales_name else None
        if scales is not None and scales.size:
            layer["scale"] = [_number(s) for s in scales[2:]]
            return layer
        if sizes_name:
            sizes = [int(s) for s in self.constant(sizes_name, "sizes")]
            layer["output_size"] = sizes[2:]
            alt = self.alt.get(sizes_name)
            if alt is not None and [int(s) for s in alt[2:]] == sizes[2:]:
                self.notes.append(
                    f"{name}: Resize to a size fixed when the model was exported ({sizes[2:]}); "
                    "the model works at this input size only"
                )
            return layer
        raise _Unsupported("Resize without constant scales or sizes")


class _Unsupported(Exception):
    pass


# Ops read the same way whichever layout their input is in (the output keeps it).
_KEEPS_LAYOUT = {*_ACTIVATIONS, *_MERGES, "Concat", "Clip"} - {"Softmax", "LogSoftmax", "PRelu"}


def _to_first(rank: int) -> list[int]:
    """The permutation moving the channel axis from last to first (``[0, 3, 1, 2]``)."""
    return [0, rank - 1, *range(1, rank - 1)]


def _to_last(rank: int) -> list[int]:
    """The permutation moving the channel axis from first to last (``[0, 2, 3, 1]``)."""
    return [0, *range(2, rank), 1]


def _per_channel(shape: tuple[int, ...], channels: int, last: bool, rank: int) -> bool:
    """Whether a constant of ``shape`` adds one value per channel to a tensor of ``rank``."""
    if last:
        return shape in ((channels,), (1,) * (rank - 1) + (channels,))
    return tuple(d for d in shape if d != 1) == (channels,) and (
        (len(shape) == rank - 1 and shape[0] == channels)
        or (len(shape) == rank and shape[1] == channels)
    )


def _fold_shape_chains(model: Any) -> tuple[Any, set[str]]:
    """Where ONNX shape inference loses a shape (a ``Pad`` whose pads are computed
    from ``Shape`` nodes, as Keras' 'same' pooling exports), fold the constant parts
    into initializers and infer again, until every shape is known or nothing folds.
    Returns the model and the names of the values computed from shapes."""
    import onnx
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    from_shapes: set[str] = set()
    for _ in range(16):
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
        graph = inferred.graph
        known: dict[str, list[int]] = {}
        unknown = False
        for vi in [*graph.value_info, *graph.input, *graph.output]:
            dims = vi.type.tensor_type.shape.dim
            if all(d.HasField("dim_value") for d in dims):
                known[vi.name] = [d.dim_value for d in dims]
            else:
                unknown = True
        if not unknown:
            return model, from_shapes
        const = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        nodes, folded = [], False
        graph_inputs = {i.name for i in graph.input}
        for node in graph.node:
            ins = [i for i in node.input if i]
            if node.op_type == "Shape" and ins[0] in known and ins[0] not in graph_inputs:
                values = ReferenceEvaluator(node).run(
                    None, {ins[0]: np.zeros(known[ins[0]], dtype=np.float32)}
                )
                from_shapes.update(node.output)
            elif node.op_type == "Constant" or (ins and all(i in const for i in ins)):
                values = ReferenceEvaluator(node).run(None, {i: const[i] for i in ins})
                if any(i in from_shapes for i in ins):
                    from_shapes.update(node.output)
            else:
                nodes.append(node)
                continue
            for out, value in zip(node.output, values, strict=False):
                const[out] = np.asarray(value)
                graph.initializer.append(numpy_helper.from_array(np.asarray(value), out))
            folded = folded or node.op_type != "Constant"
        if not folded:
            return model, from_shapes
        del graph.node[:]
        graph.node.extend(nodes)
        del graph.value_info[:]
        model = inferred
    return model, from_shapes


def _batch_of_one(model: Any) -> Any:
    """The model with a free batch axis fixed to 1, so shape chains fold to numbers."""
    inputs = [i for i in model.graph.input
              if i.name not in {init.name for init in model.graph.initializer}]  # fmt: skip
    dims = [i.type.tensor_type.shape.dim for i in inputs]
    if not any(d and not d[0].HasField("dim_value") for d in dims):
        return model
    import onnx

    model = onnx.ModelProto.FromString(model.SerializeToString())
    for graph_input in model.graph.input:
        dim = graph_input.type.tensor_type.shape.dim
        if (
            graph_input.name in {i.name for i in inputs}
            and dim
            and not dim[0].HasField("dim_value")
        ):
            dim[0].dim_value = 1
    return model


def _attributes(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _auto_pad(value: Any) -> str:
    text = value.decode() if isinstance(value, bytes) else str(value)
    return text.lower()


def _number(value: Any) -> int | float:
    f = float(value)
    return int(f) if f.is_integer() else f
