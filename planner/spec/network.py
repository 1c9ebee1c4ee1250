"""A network: named layers forming a small DAG, for one framework and data format.

Layers run in sequence unless they name their ``inputs``; naming earlier layers forms
skips (U-Net). After validation every layer has a unique name (generated like Keras:
``conv2d``, ``conv2d_1``...), explicit ``inputs``, and per-axis fields expanded to
the network's spatial rank.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.errors import SpecError
from planner.spec import schema_cache
from planner.spec.layers import Input, Layer, LayerBase, resolve_type
from planner.spec.values import DIM_SYMBOL, IntOrUnknown, Unknown, leaves, plain

Framework = Literal["keras", "torch", "jax", "onnx"]
DataFormat = Literal["channels_last", "channels_first"]
FRAMEWORKS: tuple[str, ...] = Framework.__args__  # type: ignore[attr-defined]

DEFAULT_DATA_FORMAT: dict[str, str] = {
    "keras": "channels_last",
    "jax": "channels_last",
    "torch": "channels_first",
    "onnx": "channels_first",
}
FRAMEWORK_ALIASES = {
    "tensorflow": "keras",
    "tf": "keras",
    "pytorch": "torch",
    "flax": "jax",
    "onnxruntime": "onnx",
}
# Framework names that also say the JAX level.
JAX_LEVELS = {"flax": "flax", "flax.linen": "flax", "jax.lax": "lax", "lax": "lax"}
INPUT_NAME = "input"

# A size as written: a number, a symbol for formulas (``H``), or an unknown (``?H``).
Dim = IntOrUnknown | str


def _is_none(d: Any) -> bool:
    """YAML reads ``None`` as the string 'None' (its null is ``null`` or ``~``); either is
    what Keras prints for the batch axis, or for a size that varies."""
    return d is None or (isinstance(d, str) and d.strip().lower() in ("none", "null"))


class Network(BaseModel):
    """A validated network description.

    >>> net = Network.model_validate({
    ...     "name": "tiny", "input_shape": [28, 28, 1],
    ...     "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3}],
    ... })
    >>> net.layers[0].name, net.layers[0].kernel_size, net.layers[0].inputs
    ('conv2d', (3, 3), ['input'])
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = "network"
    framework: Framework = "keras"
    data_format: DataFormat | None = None
    # Without the batch axis: spatial sizes and channels, or one flat size (a latent
    # vector, ``[100]``) for networks that reshape it later.
    input_shape: list[Dim] = Field(min_length=1)
    input_name: str = INPUT_NAME
    description: str | None = None
    # JAX only: the level layers are written at unless they say (flax.linen or jax.lax).
    api: Literal["flax", "lax"] | None = None
    layers: list[Layer] = Field(default_factory=list)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """The schema an earlier run built (planner.spec.schema_cache), else pydantic's."""
        if source is cls and not cls.__pydantic_complete__:
            cached = schema_cache.load(cls)
            if cached is not None:
                return cached
        return handler(source)

    @field_validator("framework", mode="before")
    @classmethod
    def _framework_alias(cls, v: Any) -> Any:
        if isinstance(v, str):
            return FRAMEWORK_ALIASES.get(v.lower(), v.lower())
        return v

    @model_validator(mode="before")
    @classmethod
    def _jax_level(cls, data: Any) -> Any:
        """``framework: flax`` / ``jax.lax`` name JAX and the level (``api``)."""
        if isinstance(data, dict) and isinstance(data.get("framework"), str):
            level = JAX_LEVELS.get(data["framework"].lower())
            if level is not None:
                data = {**data, "framework": "jax"}
                data.setdefault("api", level)
        return data

    @field_validator("input_shape", mode="before")
    @classmethod
    def _no_batch_axis(cls, dims: Any) -> Any:
        if not isinstance(dims, list):
            return dims
        if dims and _is_none(dims[0]):
            rest = ", ".join(str(d) for d in dims[1:])
            raise ValueError(
                f"input_shape is without the batch axis: drop the leading None and write [{rest}]"
                " (for a size that varies, write a name such as H instead)"
            )
        for i, d in enumerate(dims):
            if _is_none(d):
                raise ValueError(
                    f"entry {i} of input_shape {dims} is None: for a size that varies, write a"
                    " name such as H (planner solves for it), or a number"
                )
        return dims

    @field_validator("input_shape")
    @classmethod
    def _check_dims(cls, dims: list[Any]) -> list[Any]:
        for d in dims:
            if isinstance(d, int) and d < 1:
                raise ValueError(f"every input size must be >= 1, received {d} in {dims}")
            if isinstance(d, str) and not DIM_SYMBOL.match(d):
                raise ValueError(f"a symbolic size must be a name like H or W, received {d!r}")
        return dims

    @model_validator(mode="wrap")
    @classmethod
    def _layers_in_one_pass(cls, data: Any, handler: Any) -> Network:
        """Layer types resolved before pydantic validates the layers, then every layer
        named, wired and normalised (``_normalize``). A layer that pydantic built from
        a mapping in this validation belongs to this network alone and is normalised in
        place; a layer object passed in is copied first."""
        data, fresh = _resolve_layer_types(data)
        return handler(data)._normalize(fresh)

    def _normalize(self, fresh: list[bool]) -> Network:
        """Names, inputs and per-axis normal forms of every layer (``fresh[i]``: the
        i-th layer, counting an input layer, was built by this validation)."""
        rank = self.rank
        if self.api is not None and self.framework != "jax":
            raise SpecError(
                f"api {self.api!r} names a JAX level (flax or lax); a {self.framework} "
                "network has none",
                field="api",
            )
        fmt = self.data_format or DEFAULT_DATA_FORMAT[self.framework]
        object.__setattr__(self, "data_format", fmt)

        layers = list(self.layers)
        if len(fresh) != len(layers):  # not validated from a list of mappings
            fresh = [False] * len(layers)
        input_name = self.input_name
        if layers and isinstance(layers[0], Input):
            input_name = layers[0].name or INPUT_NAME
            layers = layers[1:]
            fresh = fresh[1:]
            object.__setattr__(self, "input_name", input_name)
        for layer in layers:
            if isinstance(layer, Input):
                raise SpecError(
                    "an input layer may only come first (planner networks have one input)",
                    layer=layer.name,
                )

        # Generated names follow each layer's rank (conv2d after a reshape of a flat
        # input); inputs default to the previous layer here.
        seq_ranks, r = [], rank
        for layer in layers:
            seq_ranks.append(r)
            r = _rank_after(layer, r)
        framework, api = self.framework, self.api
        names = _assign_names(layers, seq_ranks, input_name, framework)
        out: list[LayerBase] = []
        known = {input_name}
        previous = input_name
        ranks = {input_name: rank}  # spatial rank of each tensor (reshape changes it)
        for layer, name, own in zip(layers, names, fresh, strict=True):
            inputs = layer.inputs or [previous]
            for ref in inputs:
                if ref not in known:
                    later = ref in names
                    raise SpecError(
                        f"input '{ref}' "
                        + (
                            "comes later in the list; layers must follow their inputs"
                            if later
                            else "is not a layer of this network"
                        )
                        + f"; known so far: {', '.join(sorted(known))}",
                        layer=name,
                        field="inputs",
                    )
            is_merge = layer.is_merge
            if is_merge and len(inputs) < 2:
                raise SpecError(
                    f"a {layer.type} layer merges two or more inputs, received {inputs}",
                    layer=name,
                    field="inputs",
                )
            if not is_merge and len(inputs) != 1:
                raise SpecError(
                    f"a {layer.type} layer takes one input, received {inputs}",
                    layer=name,
                    field="inputs",
                )
            update: dict[str, Any] = {"name": name, "inputs": inputs}
            if api is not None and "api" in type(layer).model_fields and layer.api is None:
                update["api"] = api
            if own:  # built by this validation: nothing else holds it
                layer.__dict__.update(update)
                layer.__pydantic_fields_set__.update(update)
            else:
                layer = layer.replaced(update)  # this network's own copy, named
            if layer.ref_fields:
                _check_references(layer, known, names, ranks)
            layer_rank = ranks[inputs[0]]
            # Normal forms in place (``normalize_own_copy`` without its call): the
            # layer is this network's alone.
            normal, written = layer.normal_update(layer_rank, framework)
            layer.__dict__.update(normal)
            layer.__pydantic_fields_set__.update(written)
            ranks[name] = _rank_after(layer, layer_rank)
            out.append(layer)
            known.add(name)
            previous = name
        object.__setattr__(self, "layers", out)
        return self

    @property
    def rank(self) -> int:
        """The number of spatial axes (the input shape less its channel axis)."""
        return len(self.input_shape) - 1

    @property
    def channels_last(self) -> bool:
        return (self.data_format or DEFAULT_DATA_FORMAT[self.framework]) == "channels_last"

    @property
    def spatial_input(self) -> list[Any]:
        dims = list(self.input_shape)
        return dims[:-1] if self.channels_last else dims[1:]

    @property
    def input_channels(self) -> Any:
        return self.input_shape[-1] if self.channels_last else self.input_shape[0]

    def layer(self, name: str) -> LayerBase:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise SpecError(
            f"no layer named '{name}'; layers: {', '.join(self.layer_names)}", layer=name
        )

    @property
    def layer_names(self) -> list[str]:
        return [layer.name or "" for layer in self.layers]

    def unknowns(self) -> dict[str, Unknown]:
        """Every unknown in the network by name (the first occurrence's bounds win)."""
        found: dict[str, Unknown] = {}
        for value in leaves(self.input_shape):
            if isinstance(value, Unknown):
                found.setdefault(value.name, value)
        for layer in self.layers:
            for f in type(layer).model_fields:
                for value in leaves(getattr(layer, f)):
                    if isinstance(value, Unknown):
                        found.setdefault(value.name, value)
        return found

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """The network as plain data: ``to_data()``. pydantic's own dump does not fit
        validated layers (per-axis tuples, unknowns), so its options are refused."""
        if kwargs:
            raise TypeError(
                f"Network.model_dump takes no options (received {', '.join(kwargs)}); "
                "it returns to_data(), the plain data a YAML file holds"
            )
        return self.to_data()

    def model_dump_json(self, **kwargs: Any) -> str:  # type: ignore[override]
        """``to_data()`` as JSON text (``indent=`` is the one option)."""
        import json

        indent = kwargs.pop("indent", None)
        if kwargs:
            raise TypeError(
                f"Network.model_dump_json takes only indent (received {', '.join(kwargs)})"
            )
        return json.dumps(self.to_data(), indent=indent)

    def to_data(self) -> dict[str, Any]:
        """Plain data for YAML/JSON, with only the fields that differ from defaults."""
        data: dict[str, Any] = {"name": self.name, "framework": self.framework}
        if self.data_format != DEFAULT_DATA_FORMAT[self.framework]:
            data["data_format"] = self.data_format
        if self.description:
            data["description"] = self.description
        if self.api is not None:
            data["api"] = self.api
        data["input_shape"] = [plain(d) for d in self.input_shape]
        layers = []
        previous = self.input_name
        for layer in self.layers:
            item: dict[str, Any] = {"type": layer.type}
            for key, info in type(layer).model_fields.items():
                if key in ("type", "inputs") or (key == "api" and layer.api == self.api):
                    continue
                value = plain(getattr(layer, key))
                if value != plain(info.default):
                    item[key] = value
            if layer.inputs != [previous]:
                item["inputs"] = list(layer.inputs or [])
            layers.append(item)
            previous = layer.name
        data["layers"] = layers
        return data


def _resolve_layer_types(data: Any) -> tuple[Any, list[bool]]:
    """``data`` with every layer's framework type name resolved (``resolve_type``),
    and for each layer whether pydantic will build it from a mapping (a fresh object)."""
    if not isinstance(data, dict):
        return data, []
    data = dict(data)
    layers = data.get("layers")
    shape = data.get("input_shape")
    # An explicit Input layer may carry the shape instead of the network.
    if isinstance(layers, list) and layers and shape is None:
        first, _ = resolve_type(layers[0])
        if isinstance(first, dict) and first.get("type") == "input" and first.get("shape"):
            data["input_shape"] = first["shape"]
            shape = first["shape"]
    # Too short a shape is reported by the field's own check, not as "-1 axes".
    # A None in the shape is reported by the field's own check, not as a rank mismatch.
    rank = (
        len(shape) - 1
        if isinstance(shape, list) and len(shape) >= 2 and not any(map(_is_none, shape))
        else None
    )
    fresh = []
    if isinstance(layers, list):
        resolved = []
        for i, layer in enumerate(layers):
            layer, implied = resolve_type(layer)
            is_dict = isinstance(layer, dict)
            if is_dict and layer.get("type") in RANK_CHANGING:
                rank = None  # later layers' ranks are checked where they are known
            if implied is not None and rank is not None and implied != rank:
                where = layer.get("name") or f"#{i + 1}"
                raise ValueError(
                    f"layer {where}: type {layers[i]['type']!r} is {implied}D but the "
                    f"input shape {shape} has {rank} spatial axes"
                )
            resolved.append(layer)
            fresh.append(is_dict)
        data["layers"] = resolved
    return data, fresh


def _check_references(
    layer: LayerBase, known: set[str], names: list[str], ranks: dict[str, int]
) -> None:
    """A layer read for its shape (``crop_to``'s ``like``) comes earlier in the list
    and has the spatial rank of the layer's input."""
    for f in layer.ref_fields:
        ref = getattr(layer, f)
        if ref not in known:
            if ref == layer.name:
                where = "is this layer itself; name the earlier layer whose size to match"
            elif ref in names:
                where = "comes later in the list; the layer it names must come before"
            else:
                where = "is not a layer of this network"
            raise SpecError(
                f"'{ref}' {where}; known so far: {', '.join(sorted(known))}",
                layer=layer.name,
                field=f,
            )
        mine = ranks[(layer.inputs or [""])[0]]
        if ranks[ref] != mine:
            raise SpecError(
                f"'{ref}' has {ranks[ref]} spatial axes and the input "
                f"'{(layer.inputs or [''])[0]}' has {mine}; a {layer.type} layer needs the "
                "same number",
                layer=layer.name,
                field=f,
            )


# Layer types after which the spatial rank may differ from the input's.
RANK_CHANGING = ("reshape", "flatten", "global_pool", "dense", "permute")


def _rank_after(layer: Any, rank: int) -> int:
    """The spatial rank of a layer's output, given its input's."""
    values = layer.__dict__  # one read of the layer (its attributes are slow to reach)
    kind = values["type"]
    if kind == "reshape":
        return max(len(values["target_shape"]) - 1, 0)
    if kind == "flatten":
        return 0
    if kind == "global_pool" and not values["keepdims"] and values["output_size"] is None:
        return 0
    return rank


def _assign_names(
    layers: list[LayerBase], ranks: int | list[int], input_name: str, framework: str = "keras"
) -> list[str]:
    """Keep given names and generate the rest the framework's way: PyTorch numbers
    them by position as ``nn.Sequential`` names its children (``0``, ``1``, ...; the
    input layer is not counted), every other framework like Keras (``conv2d``,
    ``conv2d_1``). A generated name another layer already has gets ``_1``, ``_2``...

    >>> from planner.spec.layers import Flatten
    >>> _assign_names([Flatten(), Flatten(name="top")], 2, "input", "torch")
    ['0', 'top']
    >>> _assign_names([Flatten(), Flatten()], 2, "input")
    ['flatten', 'flatten_1']
    """
    written = [layer.name for layer in layers]
    given = [name for name in written if name]
    counts: dict[str, int] = {}  # a Counter's order, without its cost
    for name in (*given, input_name):
        counts[name] = counts.get(name, 0) + 1
    dupes = [n for n, c in counts.items() if c > 1]
    if dupes:
        raise SpecError(
            f"layer names must be unique; repeated: {', '.join(sorted(dupes))}",
            layer=dupes[0],
            field="name",
        )
    taken = set(given)
    taken.add(input_name)
    counters: dict[str, int] = {}
    names = []
    if isinstance(ranks, int):  # one rank for every layer
        ranks = [ranks] * len(layers)
    torch = framework == "torch"
    for position, (layer, name, rank) in enumerate(zip(layers, written, ranks, strict=True)):
        if name:
            names.append(name)
            continue
        base = str(position) if torch else layer.default_name(rank)
        n = counters.get(base, 0)
        while True:
            candidate = f"{base}_{n}" if n else base
            n += 1
            if candidate not in taken:
                break
        counters[base] = n
        taken.add(candidate)
        names.append(candidate)
    return names


@contextmanager
def _without_pydantic_plugins() -> Iterator[None]:
    """Pydantic looks for plugins in the entry points of every installed distribution
    the first time it builds a validator (20-30 ms of every start); planner's specs
    use none, so the search is skipped while they are built (as typer does for its
    parameters). The module that would search (``pydantic.plugin._loader``) imports
    ``importlib.metadata`` (and the ``email`` package), a sixth of the rest of
    building the validator: while planner's are built, a module answering "no
    plugins" stands in for it unless it is loaded already."""
    previous = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    stand_in = None
    if _PLUGIN_LOADER not in sys.modules:
        stand_in = sys.modules[_PLUGIN_LOADER] = types.ModuleType(_PLUGIN_LOADER)
        stand_in.get_plugins = tuple  # type: ignore[attr-defined]  # no plugins: ()
    try:
        yield
    finally:
        if stand_in is not None and sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]
        if previous is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = previous


_PLUGIN_LOADER = "pydantic.plugin._loader"

try:
    with _without_pydantic_plugins():
        Network.model_rebuild()
except (ImportError, AttributeError):  # a pydantic that wants more than get_plugins
    Network.model_rebuild(force=True)
schema_cache.store(Network)
