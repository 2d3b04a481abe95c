r"""Equilibrium records and their verification.

A two-player normal-form (bimatrix) game is a pair of payoff matrices
:math:`(A, B)` of shape :math:`m \times n`, indexed ``[row action, column action]``
(the row player is the first side, as in nashpy). A mixed profile is a pair
:math:`(x, y)` with :math:`x \in \Delta_m`, :math:`y \in \Delta_n`. It is a Nash
equilibrium if and only if its *max regret*

.. math:: \rho(x, y) = \max\{\max_i (Ay)_i - x^\top A y,\ \max_j (x^\top B)_j - x^\top B y\}

is zero; every equilibrium this package reports carries :math:`\rho` and is only
reported when :math:`\rho \le` the stated tolerance.

References
----------
Nisan, Roughgarden, Tardos, Vazirani, *Algorithmic Game Theory* (2007), ch. 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "REGRET_TOLERANCE",
    "MixedEquilibrium",
    "NashResult",
    "Status",
    "make_equilibrium",
    "max_regret",
    "max_regrets",
    "own_scale",
    "payoff_scales",
]

Status = Literal["ok", "degenerate", "incomplete"]

#: Default tolerance on the max regret of a reported equilibrium (payoff units).
REGRET_TOLERANCE = 1e-9


def max_regret(A: ArrayLike, B: ArrayLike, x: ArrayLike, y: ArrayLike) -> float:
    r"""Largest gain any player can get by deviating alone from :math:`(x, y)`.

    .. math:: \max\{\max_i (Ay)_i - x^\top A y,\ \max_j (x^\top B)_j - x^\top B y\}

    Zero exactly at a Nash equilibrium; never negative.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    x, y : array_like, shapes (m,) and (n,)
        Mixed strategies of the row and column player.

    Examples
    --------
    >>> import numpy as np
    >>> max_regret(np.eye(2), np.eye(2), np.array([1., 0.]), np.array([1., 0.]))
    0.0
    >>> max_regret(np.eye(2), np.eye(2), np.array([1., 0.]), np.array([0., 1.]))
    1.0
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    return float(max_regrets(A, B, np.asarray(x, dtype=float), np.asarray(y, dtype=float)))


def max_regrets(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":func:`max_regret` of many profiles of many games at once.

    ``A, B`` have shape ``(..., m, n)`` and ``x, y`` shapes ``(..., m)`` and ``(..., n)``
    (broadcast together); the result has the broadcast shape of the leading axes. Works on
    object arrays of :class:`fractions.Fraction` too (exact regrets).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([np.eye(2), np.eye(2)])
    >>> x, y = np.array([[1., 0.], [1., 0.]]), np.array([[1., 0.], [0., 1.]])
    >>> max_regrets(A, A, x, y).tolist()
    [0.0, 1.0]
    """
    return regrets_and_payoffs(A, B, x, y)[0]


def regrets_and_payoffs(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":func:`max_regrets` and the expected payoffs :math:`x^T A y`, :math:`x^T B y` of the
    same profiles, from one pass (the payoffs are the regrets' reference values).

    Examples
    --------
    >>> import numpy as np
    >>> regret, a, b = regrets_and_payoffs(np.eye(2), 2 * np.eye(2), np.array([1., 0.]), np.array([0., 1.]))
    >>> float(regret), float(a), float(b)
    (2.0, 0.0, 0.0)
    """
    # column by column rather than one (..., m, n) product: no large temporaries
    row_values = A[..., :, 0] * y[..., None, 0]  # (..., m): A y
    for b in range(1, A.shape[-1]):
        row_values = row_values + A[..., :, b] * y[..., None, b]
    column_values = x[..., 0, None] * B[..., 0, :]  # (..., n): x^T B
    for a in range(1, B.shape[-2]):
        column_values = column_values + x[..., a, None] * B[..., a, :]
    row_payoff = (x * row_values).sum(-1)
    column_payoff = (y * column_values).sum(-1)
    regret = np.maximum(row_values.max(-1) - row_payoff, column_values.max(-1) - column_payoff)
    return np.maximum(regret, 0 * regret), row_payoff, column_payoff


def expected_payoff(M: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Expected payoffs :math:`x^T M y` of many profiles of many games.

    ``M`` has shape ``(..., m, n)``, ``x, y`` shapes ``(..., m)`` and ``(..., n)`` (broadcast
    together); works on object arrays of Fractions too.

    Examples
    --------
    >>> import numpy as np
    >>> expected_payoff(np.array([[1., 2.], [3., 4.]]), np.array([0.5, 0.5]), np.array([0., 1.])).item()
    3.0
    """
    row_values = M[..., :, 0] * y[..., None, 0]  # M y, column by column: no (..., m, n) temporary
    for b in range(1, M.shape[-1]):
        row_values = row_values + M[..., :, b] * y[..., None, b]
    return (x * row_values).sum(-1)


def own_scale(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Each game with each player's payoffs on that player's own scale: shifted so that its
    worst payoff in the game is 0 and divided by its range, so that its best is 1.

    A player's payoffs are von Neumann-Morgenstern utilities, defined up to a positive affine
    map :math:`a u + b` of that player's alone; on its own scale a game is the same whatever
    the units of either player, so a rule that compares the two players' payoffs (adds them,
    weighs one's deviation losses against the other's, traces both with one logit precision)
    stops depending on units. A player indifferent over the whole game (range 0, or a range at
    the level of rounding, 64 ulps of its largest payoff) gets all zeros.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (G, m, n)

    Returns
    -------
    A, B : numpy.ndarray, shape (G, m, n)
        Each in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[[9., 0.], [8., 7.]]])
    >>> a, b = own_scale(A, 0.5 * A + 3.0)
    >>> bool(np.array_equal(a, b)), a[0].tolist()
    (True, [[1.0, 0.0], [0.8888888888888888, 0.7777777777777778]])
    """

    def scaled(M: np.ndarray) -> np.ndarray:
        M = np.asarray(M, dtype=float)
        low = M.min(axis=(-1, -2), keepdims=True)
        span = M.max(axis=(-1, -2), keepdims=True) - low
        noise = 64 * np.finfo(float).eps * np.abs(M).max(axis=(-1, -2), keepdims=True)
        flat = span <= noise
        return np.where(flat, 0.0, (M - low) / np.where(flat, 1.0, span))

    return scaled(A), scaled(B)


def payoff_scales(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Payoff scale of each game of a stack ``(G, m, n)``: the larger of the two players'
    payoff ranges, 1 if both are zero (:func:`negotiation.solvers.qre.payoff_scale` of one).

    Examples
    --------
    >>> import numpy as np
    >>> payoff_scales(np.array([[[9., 0.], [8., 7.]]]), np.zeros((1, 2, 2))).tolist()
    [9.0]
    """
    G = A.shape[0]
    s = np.maximum(np.ptp(A.reshape(G, -1), axis=1), np.ptp(B.reshape(G, -1), axis=1))
    return np.where(s > 0, s, 1.0)


@dataclass(frozen=True, eq=False)
class MixedEquilibrium:
    """One Nash equilibrium :math:`(x, y)` of a bimatrix game, verified.

    Attributes
    ----------
    row, column : numpy.ndarray
        Mixed strategies (probabilities in the game's action order).
    payoffs : tuple of float
        Expected payoffs ``(x^T A y, x^T B y)``.
    max_regret : float
        :func:`max_regret` of the profile; at most the result's tolerance.
    exact : tuple or None
        In exact mode, the strategies as tuples of :class:`fractions.Fraction`.
    """

    row: np.ndarray
    column: np.ndarray
    payoffs: tuple[float, float]
    max_regret: float
    exact: tuple[tuple, tuple] | None = None

    @property
    def is_pure(self) -> bool:
        """Whether each player puts probability one on a single action."""
        return bool(np.isclose(self.row.max(), 1.0) and np.isclose(self.column.max(), 1.0))

    def to_dict(self) -> dict:
        """Plain-data view (lists and floats) for JSON."""
        return {
            "row": [float(p) for p in self.row],
            "column": [float(p) for p in self.column],
            "payoffs": [float(v) for v in self.payoffs],
            "max_regret": float(self.max_regret),
        }


def make_equilibrium(
    A: ArrayLike, B: ArrayLike, x: ArrayLike, y: ArrayLike, exact: tuple | None = None
) -> MixedEquilibrium:
    """Build a :class:`MixedEquilibrium` record for ``(x, y)``, computing payoffs and regret."""
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return MixedEquilibrium(
        row=x,
        column=y,
        payoffs=(float(x @ A @ y), float(x @ B @ y)),
        max_regret=max_regret(A, B, x, y),
        exact=exact,
    )


@dataclass(frozen=True)
class NashResult:
    """All Nash equilibria a solver found for one bimatrix game, and how far to trust them.

    Attributes
    ----------
    equilibria : tuple of MixedEquilibrium
        Each verified: ``max_regret <= tolerance``. For a degenerate game these
        are the extreme equilibria of every component.
    status : {"ok", "degenerate", "incomplete"}
        ``"ok"``: the game is non-degenerate and the list is complete.
        ``"degenerate"``: the game is degenerate; ``equilibria`` holds the extreme
        points of each component and ``components`` says which are connected.
        ``"incomplete"``: the solver could not certify completeness (see ``notes``).
    method : str
        Name of the algorithm that produced the list.
    tolerance : float
        Max-regret tolerance used to verify each equilibrium.
    components : tuple of tuple of int
        Indices into ``equilibria`` grouped by connected component (maximal
        Nash subsets); singletons for isolated equilibria.
    notes : tuple of str
        Human-readable remarks: cross-check disagreements, failed labels, ...
    """

    equilibria: tuple[MixedEquilibrium, ...]
    status: Status
    method: str
    tolerance: float = REGRET_TOLERANCE
    components: tuple[tuple[int, ...], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def degenerate(self) -> bool:
        """Whether the game was found degenerate."""
        return self.status == "degenerate"

    def to_dict(self) -> dict:
        """Plain-data view for JSON."""
        return {
            "status": self.status,
            "method": self.method,
            "tolerance": self.tolerance,
            "equilibria": [e.to_dict() for e in self.equilibria],
            "components": [list(c) for c in self.components],
            "notes": list(self.notes),
        }
