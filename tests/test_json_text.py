"""planner.json_text.dumps writes exactly what json.dumps(data, indent=2) writes."""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.json_text import dumps

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)
data = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=30,
)


def _records(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists of dicts with the same keys in the same order (a network's layers)."""
    keys = st.lists(st.text(max_size=3), max_size=4, unique=True)
    return keys.flatmap(
        lambda ks: st.lists(st.fixed_dictionaries({k: inner for k in ks}), max_size=5)
    )


def _equal_lists(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists of lists (or tuples) of one length (shapes, padding pairs)."""
    return st.integers(0, 3).flatmap(
        lambda n: st.lists(
            st.lists(inner, min_size=n, max_size=n).map(tuple)
            | st.lists(inner, min_size=n, max_size=n),
            max_size=5,
        )
    )


# What the column writer groups: values of one depth that share a shape or a kind.
columns = st.recursive(
    scalars | st.sampled_from([float("nan"), float("inf"), -float("inf"), 0.5, -0.0, 10**20]),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
        _records(inner),
        _equal_lists(inner),
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(data, st.sampled_from([0, 1, 2, 4]))
def test_same_text_as_json_dumps(value: Any, indent: int) -> None:
    assert dumps(value, indent) == json.dumps(value, indent=indent)


@settings(max_examples=300, deadline=None)
@given(columns, st.sampled_from([0, 2]))
def test_same_text_as_json_dumps_for_columns(value: Any, indent: int) -> None:
    assert dumps(value, indent) == json.dumps(value, indent=indent)


def test_records_with_mixed_kinds_per_key() -> None:
    """One key holding a list in one record and null, a number or a dict in others,
    and records whose keys differ in order or in number."""
    value = [
        {"a": [1, 2], "b": None, "c": 1.5},
        {"a": None, "b": {"x": [float("nan")]}, "c": 2},
        {"a": [], "b": {"x": []}, "c": float("-inf")},
        {"c": 1, "a": 2, "b": 3},
        {"a": 1},
        {},
    ]
    assert dumps(value) == json.dumps(value, indent=2)


class _Level(IntEnum):
    HIGH = 3


class _Ratio(float):
    def __repr__(self) -> str:
        return "a ratio"


@pytest.mark.parametrize(
    "value",
    [
        {1: "int key"},
        {"a": {None: 1}},
        [True, 1, 1.0],
        {"x": (1, 2)},
        [float("nan")],
        [{"a": 1}, {"a": 2, True: 3}],
        [{"a": 1}, {"a": _Level.HIGH}],
        [[1.5, 2], [_Ratio(0.5), 1]],
    ],
)
def test_data_outside_plain_json_as_json_dumps(value: Any) -> None:
    assert dumps(value) == json.dumps(value, indent=2)


def test_what_json_dumps_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"a": object()})
    with pytest.raises(TypeError):
        dumps([{"a": 1}, {"a": object()}])
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError):
        dumps(loop)


@pytest.mark.parametrize("name", planner.preset_names())
def test_show_json_of_every_preset(name: str) -> None:
    """The structured results of ``show --json`` (costs included), written both ways."""
    data = planner.cost(planner.load(name)).to_dict()
    assert dumps(data) == json.dumps(data, indent=2)
