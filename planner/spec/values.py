"""Field values: integers, unknowns, symbols and their per-axis normal form.

Users write ``kernel_size: 3``, ``strides: [2, 1]``, ``padding: ?p`` or
``padding: {unknown: p, min: 0, max: 4}``. After validation every per-axis field is
a tuple with one entry per spatial axis, each entry an ``int`` or an ``Unknown``;
that normal form is produced once here (like Keras' ``standardize_tuple``) and
everything downstream relies on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

# A name (any letters), or a layer's field: ``conv1.padding``, ``features.0.padding``,
# ``3.padding`` for a PyTorch layer named by position, ``слой.padding``: a layer name
# may hold any character a target's grammar does not use.
_NAME = re.compile(r"^(?:[^\W\d][\w.]*|[^\s=<>%{},?]+\.[^\W\d]\w*)$")


@dataclass(frozen=True)
class Unknown:
    """An integer (or a choice) the solver is asked to find.

    The same name used in several places is one unknown (tied paddings, a mirrored
    encoder and decoder). ``min``/``max`` bound integer unknowns; ``choices`` lists
    the options of a discrete one (a padding mode, ``ceil_mode``). ``ref`` is the
    value it had, if any: the solver ranks answers by how far they move from it.

    >>> Unknown("p", 0, 4)
    Unknown(name='p', min=0, max=4, choices=None, ref=None)
    >>> Unknown.parse("?s")
    Unknown(name='s', min=None, max=None, choices=None, ref=None)
    >>> Unknown.parse({"H": None})  # how YAML reads ?H inside [...]
    Unknown(name='H', min=None, max=None, choices=None, ref=None)
    """

    name: str
    min: int | None = None
    max: int | None = None
    choices: tuple[Any, ...] | None = None
    ref: Any = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(
                f"unknown name {self.name!r} must be an identifier (letters, digits, _ and .)"
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"unknown {self.name!r} has min {self.min} > max {self.max}")

    def __str__(self) -> str:
        return f"?{self.name}"

    @classmethod
    def parse(cls, value: Any) -> Unknown:
        """Read ``?p``, ``{unknown: p, min: 0, max: 4}`` or an ``Unknown``."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, str) and value.startswith("?"):
            return cls(value[1:])
        if (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value.values())) is None
            and isinstance(next(iter(value)), str)
        ):
            # ``[?H, 1]``: inside a YAML flow sequence ``?`` starts a mapping key, so
            # ``?H`` arrives as ``{"H": None}``; it means the unknown ``H``.
            return cls(next(iter(value)))
        if isinstance(value, dict) and "unknown" in value:
            extra = set(value) - {"unknown", "min", "max", "choices", "ref"}
            if extra:
                raise ValueError(
                    f"unexpected keys {sorted(extra)} in unknown; "
                    "valid keys: unknown, min, max, choices, ref"
                )
            choices = value.get("choices")
            return cls(
                str(value["unknown"]),
                value.get("min"),
                value.get("max"),
                tuple(choices) if choices is not None else None,
                value.get("ref"),
            )
        raise ValueError(f"not an unknown: {value!r}")

    def to_data(self) -> str | dict[str, Any]:
        if self.min is None and self.max is None and self.choices is None and self.ref is None:
            return f"?{self.name}"
        data: dict[str, Any] = {"unknown": self.name}
        if self.min is not None:
            data["min"] = self.min
        if self.max is not None:
            data["max"] = self.max
        if self.choices is not None:
            data["choices"] = list(self.choices)
        if self.ref is not None:
            data["ref"] = self.ref
        return data

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Module-level functions, not closures: the schema is pickled (schema_cache).
        return core_schema.no_info_plain_validator_function(
            _validate_unknown,
            serialization=core_schema.plain_serializer_function_ser_schema(_unknown_data),
            json_schema_input_schema=core_schema.union_schema(
                [
                    core_schema.str_schema(pattern=r"^\?[A-Za-z_][A-Za-z0-9_.]*$"),
                    core_schema.typed_dict_schema(
                        {
                            "unknown": core_schema.typed_dict_field(core_schema.str_schema()),
                            "min": core_schema.typed_dict_field(
                                core_schema.int_schema(), required=False
                            ),
                            "max": core_schema.typed_dict_field(
                                core_schema.int_schema(), required=False
                            ),
                            "choices": core_schema.typed_dict_field(
                                core_schema.list_schema(core_schema.any_schema()),
                                required=False,
                            ),
                            "ref": core_schema.typed_dict_field(
                                core_schema.any_schema(), required=False
                            ),
                        }
                    ),
                ]
            ),
        )


def _validate_unknown(value: Any) -> Unknown:
    try:
        return Unknown.parse(value)
    except ValueError as exc:
        raise PydanticCustomError("unknown", str(exc)) from None


def _unknown_data(value: Unknown) -> str | dict[str, Any]:
    return value.to_data()


def _reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "expected an integer, got a boolean")
    return value


def _int_or_unknown(value: Any) -> Any:
    if type(value) is int:  # the common case, without a call
        return value
    value = _reject_bool(value)
    if (isinstance(value, str) and value.startswith("?")) or isinstance(value, dict):
        return Unknown.parse(value)
    return value


class _ParamMarker:
    """Pydantic annotation: strict int (no bools, no floats) or an ``Unknown``."""

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            _int_or_unknown,
            core_schema.union_schema(
                [core_schema.int_schema(strict=True), handler.generate_schema(Unknown)],
                mode="left_to_right",
            ),
        )


# An integer field that may be left for the solver to find.
IntOrUnknown = Annotated[int | Unknown, _ParamMarker()]
# A per-axis field as written: one value for every axis, or one per axis.
PerAxis = IntOrUnknown | list[IntOrUnknown]
# A padding amount as written: one per axis, or [before, after] per axis.
PadPair = list[IntOrUnknown]

DIM_SYMBOL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def leaves(value: Any) -> Iterator[Any]:
    """Every scalar inside nested tuples and lists (per-axis values, padding pairs)."""
    if isinstance(value, tuple | list):
        for v in value:
            yield from leaves(v)
    else:
        yield value


def plain(value: Any) -> Any:
    """A normalised field value as a user would write it: unknowns as their text, and
    per-axis tuples collapsed to one value when every axis agrees.

    >>> plain(((1, 1), (1, 1)))
    1
    >>> plain((2, 1))
    [2, 1]
    """
    if isinstance(value, Unknown):
        return value.to_data()
    if isinstance(value, tuple | list):
        items = [plain(v) for v in value]
        if items and all(i == items[0] for i in items) and not isinstance(items[0], list):
            return items[0]
        return items
    return value


def per_axis(value: Any, rank: int, field: str) -> tuple[Any, ...]:
    """Expand ``value`` to a tuple of length ``rank`` (``standardize_tuple``).

    >>> per_axis(3, 2, "kernel_size")
    (3, 3)
    >>> per_axis([2, 1], 2, "strides")
    (2, 1)
    """
    kind = type(value)
    if kind is int:
        return (value,) * rank
    if (
        kind is tuple
        or kind is list
        or (isinstance(value, Sequence) and not isinstance(value, str))
    ):
        values = tuple(value)
        if len(values) == 1 and rank != 1:
            return values * rank
        if len(values) != rank:
            raise ValueError(
                f"'{field}' needs 1 or {rank} values (one per spatial axis), "
                f"received {len(values)}: {list(values)}"
            )
        return values
    return (value,) * rank


def check_positive(values: Sequence[Any], field: str, minimum: int = 1) -> None:
    for v in values:
        if type(v) is int:
            if v < minimum:
                raise ValueError(f"'{field}' must be an integer >= {minimum}, received {v}")
            continue
        if isinstance(v, int) and v < minimum:
            raise ValueError(f"'{field}' must be an integer >= {minimum}, received {v}")
        if isinstance(v, Unknown) and v.min is not None and v.min < minimum:
            raise ValueError(f"'{field}' unknown {v} has min {v.min}; the field needs >= {minimum}")
