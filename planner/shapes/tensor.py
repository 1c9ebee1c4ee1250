"""A tensor's shape as inference carries it: the dims without the batch axis, in the
network's data format, with the spatial axes and the channel axis picked out."""

from __future__ import annotations

from dataclasses import dataclass

from planner.symbolic.ops import Dim

AXIS_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def axis_names(rank: int) -> tuple[str, ...]:
    """The names of ``rank`` spatial axes: ``("H", "W")`` for 2-D.

    >>> axis_names(3), axis_names(4)
    (('D', 'H', 'W'), ('X0', 'X1', 'X2', 'X3'))
    """
    names = AXIS_NAMES.get(rank)
    return names if names is not None else tuple(f"X{i}" for i in range(rank))


@dataclass(frozen=True, slots=True)
class Tensor:
    """A shape without the batch axis, in the network's data format."""

    dims: tuple[Dim, ...]
    channels_last: bool

    @property
    def rank(self) -> int:
        """The number of spatial axes (none once flattened)."""
        n = len(self.dims)
        return n - 1 if n >= 2 else 0

    @property
    def spatial(self) -> tuple[Dim, ...]:
        if len(self.dims) < 2:
            return ()
        return self.dims[:-1] if self.channels_last else self.dims[1:]

    @property
    def channels(self) -> Dim:
        return self.dims[-1] if self.channels_last or len(self.dims) < 2 else self.dims[0]

    def with_spatial(self, spatial: tuple[Dim, ...], channels: Dim) -> Tensor:
        dims = (*spatial, channels) if self.channels_last else (channels, *spatial)
        return Tensor(dims, self.channels_last)
