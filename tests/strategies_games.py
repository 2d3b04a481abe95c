"""Hypothesis strategies for bimatrix games, shared by the normal-form tests.

Each strategy draws a pair ``(A, B)`` of payoff matrices of one shape.

- :func:`integer_games`: small integer payoffs (default ``0..3``), so ties and
  degenerate games are common; solved exactly.
- :func:`generic_games`: uniform random floats from a seeded generator, so the game is
  non-degenerate with probability one (hypothesis shrinks the seed and the shape, not
  the entries, which keeps the examples away from float knife edges).
- :func:`float_games`: arbitrary bounded floats drawn by hypothesis, ties and
  near-ties included: for invariants (no crash, verified output), not for oracles.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


@st.composite
def integer_games(
    draw, *, min_side: int = 1, max_side: int = 5, low: int = 0, high: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of integer matrices with entries in ``low..high``."""
    m = draw(st.integers(min_side, max_side))
    n = draw(st.integers(min_side, max_side))
    entries = st.integers(low, high)
    A = draw(hnp.arrays(np.int64, (m, n), elements=entries))
    B = draw(hnp.arrays(np.int64, (m, n), elements=entries))
    return A, B


@st.composite
def generic_games(draw, *, min_side: int = 1, max_side: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of uniform random float matrices in [-1, 1) from a drawn seed."""
    m = draw(st.integers(min_side, max_side))
    n = draw(st.integers(min_side, max_side))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (m, n)), rng.uniform(-1.0, 1.0, (m, n))


@st.composite
def float_games(
    draw, *, min_side: int = 1, max_side: int = 4, bound: float = 100.0
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of float matrices with arbitrary entries in ``[-bound, bound]``."""
    m = draw(st.integers(min_side, max_side))
    n = draw(st.integers(min_side, max_side))
    entries = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)
    A = draw(hnp.arrays(np.float64, (m, n), elements=entries))
    B = draw(hnp.arrays(np.float64, (m, n), elements=entries))
    return A, B
