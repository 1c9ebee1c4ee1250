"""planner.json_text.dumps writes exactly what json.dumps(data, indent=2) writes."""

from __future__ import annotations

import json
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


@settings(max_examples=300, deadline=None)
@given(data, st.sampled_from([0, 1, 2, 4]))
def test_same_text_as_json_dumps(value: Any, indent: int) -> None:
    assert dumps(value, indent) == json.dumps(value, indent=indent)


@pytest.mark.parametrize(
    "value",
    [{1: "int key"}, {"a": {None: 1}}, [True, 1, 1.0], {"x": (1, 2)}, [float("nan")]],
)
def test_data_outside_plain_json_as_json_dumps(value: Any) -> None:
    assert dumps(value) == json.dumps(value, indent=2)


def test_what_json_dumps_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"a": object()})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError):
        dumps(loop)


@pytest.mark.parametrize("name", planner.preset_names())
def test_show_json_of_every_preset(name: str) -> None:
    """The structured results of ``show --json`` (costs included), written both ways."""
    data = planner.cost(planner.load(name)).to_dict()
    assert dumps(data) == json.dumps(data, indent=2)
