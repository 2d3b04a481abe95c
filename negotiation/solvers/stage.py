r"""Every Nash equilibrium of every simultaneous stage of a batch of games, at once.

A stage is a bimatrix game :math:`(A, B)` (row player first, indexed
``[row action, column action]``). :func:`solve_stages` takes a stack of them, shape
``(G, m, n)`` (the stages of every point of a sweep and every history of a tree), and
returns all their equilibria as padded arrays (:class:`StageSolutions`), by one rule:

1. games equal up to a positive affine map of one player's payoffs (a move's cost paid in
   every outcome of a stage, say, or a change of units) are solved once: each game is mapped
   to a canonical one (:func:`canonical`: each player's payoffs from 0 at its worst to 1 at
   its best), which changes no equilibrium and no selection, and identical canonical games
   (to 2^-40) share one solution;
2. with the default ``method="enumeration"`` every game goes through the batched support
   enumeration of :mod:`negotiation.solvers.support`, which certifies non-degenerate games
   (every label decided outside a margin); the games it cannot certify (degenerate ones:
   ties) through the batched vertex enumeration of :mod:`negotiation.solvers.vertices`,
   which certifies games whose ties are exact (every slack within 1e-11 of zero or beyond
   1e-7); the answer for a certified game is that of the exact solver;
3. a game neither certifies (nearly degenerate, larger than
   :data:`~negotiation.solvers.vertices.MAX_ACTIONS` actions in all, with exact rational
   payoffs, or ``exact=True``) is solved by
   :func:`negotiation.solvers.normal_form.nash_equilibria` (the lexicographic vertex
   enumeration, exact on degenerate games), and counted in ``one_game``.

Other methods (``"lemke_howson"``, nashpy's ``"support"`` and ``"vertex"``) solve each game
with :func:`~negotiation.solvers.normal_form.nash_equilibria` itself.

Every equilibrium carries its max regret; ``status`` says per game whether the list is
complete and the game non-degenerate (``"ok"``), complete for a degenerate game (the extreme
equilibria of its components, ``"degenerate"``) or not certified (``"incomplete"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.records import (
    REGRET_TOLERANCE,
    MixedEquilibrium,
    NashResult,
    expected_payoff,
    max_regrets,
    regrets_and_payoffs,
)

__all__ = ["BATCHED_METHODS", "StageSolutions", "solve_stages"]

#: The batched enumerations, in the order they are tried: support enumeration (certifies
#: non-degenerate games) and vertex enumeration by bases (degenerate games, ties included).
BATCHED_METHODS = ("support_enumeration", "batched_vertex_enumeration")


@dataclass(frozen=True, eq=False)
class StageSolutions:
    """All Nash equilibria of a stack of bimatrix games, padded to the largest count.

    Attributes
    ----------
    row, column : numpy.ndarray, shapes (G, E, m) and (G, E, n)
        Equilibrium strategies in the order of
        :func:`~negotiation.solvers.normal_form.nash_equilibria`; zero beyond ``count``.
        Object arrays of :class:`fractions.Fraction` for exact games.
    valid : numpy.ndarray of bool, shape (G, E)
    count : numpy.ndarray of int, shape (G,)
    max_regret : numpy.ndarray, shape (G, E)
    status : tuple of str
        ``"ok"``, ``"degenerate"`` or ``"incomplete"`` per game.
    method : tuple of str
        One of :data:`BATCHED_METHODS` (certified by a batched enumeration) or the one-game
        method used.
    notes : tuple of tuple of str
    components : tuple of tuple of tuple of int
        Equilibria grouped by connected component, per game.
    tolerance : float
    representative, inverse : numpy.ndarray of int or None
        The distinct games solved (indices into the stack) and, for each game, its
        representative's position among them: game ``g`` was solved as
        ``representative[inverse[g]]``.
    """

    row: np.ndarray
    column: np.ndarray
    valid: np.ndarray
    count: np.ndarray
    max_regret: np.ndarray
    status: tuple[str, ...]
    method: tuple[str, ...]
    notes: Sequence[tuple[str, ...]]
    components: Sequence[tuple[tuple[int, ...], ...]]
    tolerance: float = REGRET_TOLERANCE
    representative: np.ndarray | None = None
    inverse: np.ndarray | None = None
    #: ``status_codes`` and ``one_game``, worked out once per distinct game by
    #: :func:`solve_stages` (else derived game by game).
    codes: np.ndarray | None = None
    unbatched: np.ndarray | None = None
    #: :meth:`payoffs` of the games solved, in their own units, when :func:`solve_stages`
    #: computed them with the regrets (float games).
    values: np.ndarray | None = None

    @property
    def games(self) -> int:
        return len(self.count)

    @property
    def one_game(self) -> np.ndarray:
        """Which games were not certified by the batched enumeration (bool, (G,))."""
        if self.unbatched is not None:
            return self.unbatched
        return np.array([m not in BATCHED_METHODS for m in self.method], dtype=bool)

    @property
    def status_codes(self) -> np.ndarray:
        """:data:`STATUS_CODES` of ``status`` per game (int, (G,)): 0 ok, 1 degenerate,
        2 incomplete."""
        if self.codes is not None:
            return self.codes
        return np.array([STATUS_CODES[s] for s in self.status], dtype=np.int64)

    def payoffs(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Expected payoffs ``(x^T A y, x^T B y)`` of every equilibrium, shape (G, E, 2)."""
        return np.stack([expected_payoff(A[:, None], self.row, self.column),
                         expected_payoff(B[:, None], self.row, self.column)], axis=-1)

    def take(self, games: np.ndarray) -> StageSolutions:
        """The solutions of some games (an index array)."""
        games = np.asarray(games, dtype=int)
        E = max(int(self.count[games].max(initial=0)), 1)
        return StageSolutions(
            row=self.row[games, :E], column=self.column[games, :E], valid=self.valid[games, :E],
            count=self.count[games], max_regret=self.max_regret[games, :E],
            status=tuple(self.status[g] for g in games), method=tuple(self.method[g] for g in games),
            notes=tuple(self.notes[int(g)] for g in games), components=tuple(self.components[int(g)] for g in games),
            tolerance=self.tolerance,
        )

    def result(self, g: int, A: np.ndarray, B: np.ndarray) -> NashResult:
        """Game ``g``'s equilibria as a :class:`~negotiation.solvers.records.NashResult`."""
        k = int(self.count[g])
        x, y = self.row[g][:, :, None], self.column[g][:, None, :]
        payoffs = np.stack([(x * A[g] * y).sum(axis=(1, 2)), (x * B[g] * y).sum(axis=(1, 2))], axis=-1)
        exact = self.row.dtype == object
        equilibria = tuple(
            MixedEquilibrium(
                row=np.asarray(self.row[g, e], dtype=float),
                column=np.asarray(self.column[g, e], dtype=float),
                payoffs=(float(payoffs[e, 0]), float(payoffs[e, 1])),
                max_regret=float(self.max_regret[g, e]),
                exact=(tuple(self.row[g, e]), tuple(self.column[g, e])) if exact else None,
            )
            for e in range(k)
        )
        return NashResult(
            equilibria=equilibria, status=self.status[g], method=self.method[g],  # type: ignore[arg-type]
            tolerance=self.tolerance, components=self.components[g], notes=self.notes[g],
        )


def solve_stages(
    A: ArrayLike,
    B: ArrayLike,
    *,
    tol: float = REGRET_TOLERANCE,
    method: str = "enumeration",
    exact: bool | None = None,
) -> StageSolutions:
    """All Nash equilibria of each game of a stack (see the module docstring).

    Parameters
    ----------
    A, B : array_like, shape (G, m, n)
        Payoffs; an object array of Fractions is solved exactly.
    tol : float
        Max-regret tolerance every equilibrium satisfies.
    method : str
        A key of :data:`negotiation.solvers.normal_form.NORMAL_FORM_METHODS`.
    exact : bool or None
        Passed to the one-game solver (None: exact when every payoff is an integer or a
        Fraction).

    Examples
    --------
    Battle of the sexes (certified by the batched support enumeration) and a degenerate
    game (a tie: certified by the batched vertex enumeration):

    >>> import numpy as np
    >>> A = np.array([[[2., 0.], [0., 1.]], [[1., 1.], [0., 0.]]])
    >>> B = np.array([[[1., 0.], [0., 2.]], [[1., 1.], [0., 1.]]])
    >>> s = solve_stages(A, B)
    >>> s.count.tolist(), s.status, s.method
    ([3, 2], ('ok', 'degenerate'), ('support_enumeration', 'batched_vertex_enumeration'))
    """
    from negotiation.solvers.normal_form import nash_equilibria

    A = np.asarray(A)
    B = np.asarray(B)
    if A.ndim != 3 or A.shape != B.shape:
        raise ValueError(f"expected stacks of games of shape (G, m, n); got {A.shape} and {B.shape}")
    G, m, n = A.shape
    original = (A, B)
    exact_arrays = A.dtype == object or B.dtype == object
    if G == 0:
        empty = np.zeros((0, 1, m)), np.zeros((0, 1, n))
        return StageSolutions(empty[0], empty[1], np.zeros((0, 1), bool), np.zeros(0, int), np.zeros((0, 1)),
                              (), (), (), (), tol)
    if exact_arrays:
        keys = [tuple(A[g].ravel()) + tuple(B[g].ravel()) for g in range(G)]
        index: dict = {}
        inverse = np.array([index.setdefault(key, len(index)) for key in keys])
        first = np.zeros(len(index), dtype=int)
        first[inverse[::-1]] = np.arange(G)[::-1]
    else:
        A, B = shifted(A), shifted(B)  # solved in their own scale: integers stay integers
        first, inverse = _distinct(_game_keys(*canonical(A, B)))
    Au, Bu = A[first], B[first]
    U = len(first)
    # the batched enumerations, in turn: support enumeration certifies non-degenerate games,
    # vertex enumeration by bases the degenerate ones; the rest go to the one-game solver
    batches = []  # (games, their batch's answer, their positions in it, method)
    remaining = np.ones(U, dtype=bool)
    if method == "enumeration" and not exact_arrays and exact is not True:
        from negotiation.solvers.support import support_equilibria
        from negotiation.solvers.vertices import MAX_ACTIONS, vertex_equilibria

        Af, Bf = Au.astype(float), Bu.astype(float)
        eq = support_equilibria(Af, Bf)
        batches.append((np.flatnonzero(eq.certain), eq, np.flatnonzero(eq.certain), BATCHED_METHODS[0]))
        remaining &= ~eq.certain
        if remaining.any() and m + n <= MAX_ACTIONS:
            rest = np.flatnonzero(remaining)
            veq = vertex_equilibria(Af[rest], Bf[rest])
            batches.append((rest[veq.certain], veq, np.flatnonzero(veq.certain), BATCHED_METHODS[1]))
            remaining[rest[veq.certain]] = False
    others = np.flatnonzero(remaining)
    solved = {}
    for u in others:
        result = nash_equilibria(Au[u], Bu[u], method=method, exact=exact, tol=tol)
        if exact_arrays and result.equilibria and result.equilibria[0].exact is not None:
            rows = np.array([e.exact[0] for e in result.equilibria], dtype=object)
            cols = np.array([e.exact[1] for e in result.equilibria], dtype=object)
        else:
            rows = np.array([e.row for e in result.equilibria]).reshape(-1, m)
            cols = np.array([e.column for e in result.equilibria]).reshape(-1, n)
        solved[int(u)] = (rows, cols, np.array([e.max_regret for e in result.equilibria]), result.status,
                          result.method, result.notes, result.components)
    # padded arrays over the distinct games, the batched ones straight from their batch
    E = max([len(v[2]) for v in solved.values()] + [int(b.count[at].max(initial=1)) for _, b, at, _ in batches] + [1])
    dtype = object if exact_arrays else float
    row = np.zeros((U, E, m), dtype=dtype)
    column = np.zeros((U, E, n), dtype=dtype)
    if dtype is object:
        row[:], column[:] = 0, 0
    valid = np.zeros((U, E), dtype=bool)
    count = np.zeros(U, dtype=int)
    status = np.full(U, "ok", dtype=object)
    methods = np.full(U, BATCHED_METHODS[0], dtype=object)
    notes: dict[int, tuple] = {}
    components: dict[int, Any] = {}  # a tuple, or a function that groups them
    for games, b, at, name in batches:
        if not len(games):
            continue
        k = min(b.row.shape[1], E)
        row[games, :k], column[games, :k] = b.row[at, :k], b.column[at, :k]
        valid[games, :k] = b.valid[at, :k]
        count[games] = b.count[at]
        methods[games] = name
        if name == BATCHED_METHODS[1]:
            for u, j in zip(games, at, strict=True):
                if b.degenerate[j]:
                    status[u] = "degenerate"
                    components[int(u)] = partial(b.components, int(j))  # grouped when asked
    for u, (x, y, _, *_rest) in solved.items():
        c = len(x)
        row[u, :c], column[u, :c] = x, y
        valid[u, :c] = True
        count[u] = c
    values = None
    if dtype is object:
        regret = np.array([[float(max_regrets(Au[u], Bu[u], row[u, e], column[u, e])) if valid[u, e] else 0.0
                            for e in range(E)] for u in range(U)])
    else:  # in each game's own units (the representative's are canonical)
        A0, B0 = (np.asarray(M, dtype=float)[:, None] for M in original)
        regret, ua, ub = regrets_and_payoffs(A0, B0, row[inverse], column[inverse])
        regret = np.where(valid[inverse], regret, 0.0)
        values = np.stack([ua, ub], axis=-1)
    for u, (*_, st, meth, note, comps) in solved.items():
        status[u], methods[u] = st, meth
        notes[u], components[u] = tuple(note), tuple(comps)
    return StageSolutions(
        row=row[inverse], column=column[inverse], valid=valid[inverse], count=count[inverse],
        max_regret=regret if regret.shape[0] == G else regret[inverse], status=tuple(status[inverse]),
        method=tuple(methods[inverse]),
        notes=_Sparse(inverse, notes, ()), components=_Sparse(inverse, components, None, count[inverse]),
        tolerance=tol, representative=np.asarray(first), inverse=np.asarray(inverse),
        codes=np.array([STATUS_CODES[x] for x in status], dtype=np.int64)[inverse], values=values,
        unbatched=np.array([x not in BATCHED_METHODS for x in methods], dtype=bool)[inverse],
    )


#: A stage's status as a number, worst last.
STATUS_CODES = {"ok": 0, "degenerate": 1, "incomplete": 2}


def shifted(M: np.ndarray) -> np.ndarray:
    """Each game's payoffs shifted so that the smallest is 0."""
    return M - M.min(axis=(1, 2), keepdims=True)


def canonical(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Each game with each player's payoffs on its own scale
    (:func:`negotiation.solvers.records.own_scale`: worst 0, best 1). Equilibria do not change
    under a positive affine map of one player's payoffs, and neither does any selection rule,
    which compares the players on these scales; so games that differ only so are one game."""
    from negotiation.solvers.records import own_scale

    return own_scale(A, B)


#: Odd 64-bit multipliers of the hash of a game's key (fixed: the grouping is deterministic).
_HASH = np.random.default_rng(20251014).integers(1, 2**63, size=64, dtype=np.uint64) | np.uint64(1)


def _distinct(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first game of each distinct key row and each game's position among them.

    Rows are grouped by a 64-bit hash of their bits (one integer sort instead of a sort of
    whole rows), and the grouping is then checked row by row: a collision, never seen but
    possible, falls back to sorting the rows themselves."""
    bits = np.ascontiguousarray(key).view(np.uint64)
    K = bits.shape[1]
    if K <= len(_HASH):
        with np.errstate(over="ignore"):
            h = (bits * _HASH[:K]).sum(axis=1)
        _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if np.array_equal(bits[first][inverse], bits):
            return first, inverse
    _, first, inverse = np.unique(bits.view(np.dtype((np.void, 8 * K))).ravel(), return_index=True,
                                  return_inverse=True)
    return first, inverse.reshape(-1)


#: Resolution at which two canonical games count as the same (2^-40 of the scale).
_KEY_RESOLUTION = 2.0**40


def _game_keys(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Integer keys of canonical games (payoffs in [0, 1]): payoffs as multiples of 2^-40, so
    that games equal up to rounding (a cost added in every cell, say) share a key."""
    G = A.shape[0]
    with np.errstate(invalid="ignore", over="ignore"):
        q = np.concatenate([np.rint(A * _KEY_RESOLUTION).reshape(G, -1), np.rint(B * _KEY_RESOLUTION).reshape(G, -1)],
                           axis=1)
    return np.ascontiguousarray(q)


class _Sparse:
    """A per-game tuple that is mostly one default (no notes; each equilibrium its own
    component), stored for the few distinct games that differ."""

    def __init__(self, inverse: np.ndarray, values: dict[int, Any], default: tuple | None,
                 counts: np.ndarray | None = None) -> None:
        self.inverse, self.values, self.default, self.counts = inverse, values, default, counts

    def __len__(self) -> int:
        return len(self.inverse)

    def __getitem__(self, g: int) -> tuple:
        u = int(self.inverse[g])
        value = self.values.get(u)
        if callable(value):
            value = self.values[u] = value()
        if value is not None:
            return value
        if self.default is None:  # singletons: the equilibria of a non-degenerate game
            return tuple((e,) for e in range(int(self.counts[g])))
        return self.default

    def __iter__(self):
        return (self[g] for g in range(len(self)))
