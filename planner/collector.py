"""When Python's cycle collector runs during planner's long passes.

Reading, validating and inferring a network allocate many small containers (a dict
per layer, tuples per field, a result per layer) and keep nearly all of them, with
no reference cycles among them. The collector, triggered every 700 allocations,
would walk the ever larger set of live objects again and again for nothing: a third
to a half of loading 10,000 layers, an eighth of ``planner show`` on them. Inside
``rarely()`` it runs every 100,000 allocations instead, which still bounds the
garbage a pass can hold (a failed layer's exception and traceback do make cycles).
Nested uses keep the outer setting; the old thresholds come back on exit.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two collections of the youngest generation (Python's: 700),
# and how many of those make one of the next generation (10 -> 50, 10 -> 100).
RARE = (100_000, 50, 100)


@contextmanager
def rarely() -> Iterator[None]:
    """Run the block with the cycle collector triggered rarely (see the module).

    >>> import gc
    >>> with rarely():
    ...     gc.get_threshold()[0]
    100000
    """
    thresholds = gc.get_threshold()
    if thresholds[0] >= RARE[0]:
        yield
        return
    gc.set_threshold(*RARE)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
