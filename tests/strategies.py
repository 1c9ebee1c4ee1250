"""Hypothesis strategies shared by the test suite (one place, per the style guide).

Each framework's conformance tests add their strategies in a section of their own.
"""

from __future__ import annotations

from hypothesis import strategies as st

ranks = st.integers(min_value=1, max_value=3)
sizes = st.integers(min_value=1, max_value=40)
kernels = st.integers(min_value=1, max_value=7)
strides = st.integers(min_value=1, max_value=4)
dilations = st.integers(min_value=1, max_value=3)


@st.composite
def per_axis(draw: st.DrawFn, rank: int, values: st.SearchStrategy[int]) -> list[int]:
    """One value per spatial axis."""
    return [draw(values) for _ in range(rank)]
