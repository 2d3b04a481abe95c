r"""All extreme Nash equilibria of a small two-player extensive game, by the sequence form.

Model
-----
With the sequence form :math:`(A, B, E, e, F, f)` of
:mod:`negotiation.solvers.sequence_form`, realisation plans :math:`(x, y)` are a Nash
equilibrium exactly when, for some dual vectors :math:`p, q` (free: one per row of
:math:`E`, :math:`F`), the linear complementarity problem of Koller, Megiddo and von
Stengel (1996, Theorem 3.1) holds:

.. math::
    Ex = e,\ Fy = f,\ x, y \ge 0,\quad
    x \perp E^\top p - A y \ge 0,\quad y \perp F^\top q - B^\top x \ge 0 .

Splitting it by player gives two polyhedra, the best-response polyhedra of the
sequence form (von Stengel 1996; von Stengel 2002, on the sequence form), and the
vertex-enumeration method of Avis, Rosenberg, Savani and von Stengel (2010) for bimatrix
games carries over to them, one for each plan with the *other* player's duals,

.. math::
    P = \{(x, q):\ x \ge 0,\ Ex = e,\ B^\top x - F^\top q \le 0\}, \qquad
    Q = \{(y, p):\ y \ge 0,\ Fy = f,\ A y - E^\top p \le 0\}.

Their inequalities carry *labels*, one per sequence of either player: label :math:`s`
(a sequence of player 1) is :math:`x_s = 0` in :math:`P` and :math:`(Ay - E^\top p)_s = 0`
in :math:`Q`; label :math:`n_1 + t` (a sequence of player 2) is
:math:`(B^\top x - F^\top q)_t = 0` in :math:`P` and :math:`y_t = 0` in :math:`Q`. A pair
of points is an equilibrium (with :math:`p, q` the values of the players' best responses)
exactly when it is *completely labelled*: every label :math:`0, \dots, n_1 + n_2 - 1` at
one point or the other, which is the complementarity above. No sign condition on the
payoffs is needed (the duals are free), so payoffs are only scaled to integers.

:math:`P` and :math:`Q` are unbounded (the duals can grow) but pointed (:math:`F^\top` and
:math:`E^\top` have full column rank), so they have vertices, and the set of equilibria is
the finite union of the products :math:`\mathrm{conv}(X) \times \mathrm{conv}(Y)` over
maximal sets of pairwise complementary vertices, exactly as for bimatrix games: the
*extreme equilibria* are the completely labelled pairs of vertices, and the connected
components of the equilibrium set are those of the bipartite graph whose edges are the
extreme equilibria (Avis et al. 2010; Gambit's ``enummixed`` on the strategic form). The
sequence form is polynomial in the size of the tree, where the (reduced) strategic form
can be exponential (von Stengel 1996).

A vertex of :math:`P` has at least :math:`d_P = n_1 - k_1 + k_2` labels (the dimension of
:math:`P`; :math:`k_1, k_2` the rows of :math:`E, F`) and of :math:`Q` at least
:math:`d_Q = n_2 - k_2 + k_1`; one with more makes the game *degenerate* (game trees often
are: ties among payoffs, sets no plan reaches). Equilibria then form components with
more than one point, and the status says so.

Algorithm
---------
1. Each polyhedron in equality form, with a slack per payoff inequality and the free
   duals, is put on an integer (fraction-free) simplex tableau at a starting vertex: a
   pure plan (the first action at every information set) and the other player's best
   response to it, whose values give the duals; the duals are basic and stay basic (the
   free variables of a pointed polyhedron can be kept in the basis at every vertex), so
   their rows are dropped from the tableau as in
   :func:`negotiation.solvers.sequence_lemke.sequence_lemke`.
2. The lexicographic breadth-first search of :mod:`negotiation.solvers.polytope` visits
   every lexicographically feasible basis: the symbolic perturbation of the right-hand
   side makes the polyhedron simple, its graph of bounded edges is connected, and every
   vertex of the unperturbed polyhedron carries a lexicographically feasible basis, so
   every vertex is reached, also in degenerate games (Avis and Fukuda 1992). An entering
   column with no positive entry is an unbounded edge (a ray), not a failure.
3. Label sets (bitmasks) identify the vertices; the completely labelled pairs are the
   equilibria. Pairs with the same realisation plans (vertices that differ only in the
   duals) are reported once.

Verification
------------
Every pair becomes behaviour strategies by
:func:`negotiation.solvers.sequence_form.behaviour_from_plans` (uniform at an
information set the player's own plan does not reach; :attr:`unreached` of each
equilibrium lists those sets) and :func:`negotiation.solvers.sequence_form.behaviour_regrets`
computes both regrets by a backward pass over the tree, independently of :math:`A, B, E,
F`: each must be exactly zero, or :class:`SequenceEnumerationError` is raised.

Limits. Vertex enumeration is exponential in the worst case; a game with more than
``max_sequences`` sequences (both players together, 64 by default) is refused with
:class:`GameTooLargeError`, and the search stops after ``max_bases`` bases per
polyhedron with status ``"incomplete"``.

References
----------
Koller, D., Megiddo, N. and von Stengel, B. (1996). Efficient computation of equilibria
for extensive two-person games. *Games and Economic Behavior* 14, 247--259.
von Stengel, B. (1996). Efficient computation of behavior strategies. *Games and Economic
Behavior* 14, 220--246.
von Stengel, B. (2002). Computing equilibria for two-person games. In Aumann & Hart
(eds.), *Handbook of Game Theory* vol. 3, ch. 45, 1723--1759.
Avis, D., Rosenberg, G. D., Savani, R. and von Stengel, B. (2010). Enumeration of Nash
equilibria for two-player games. *Economic Theory* 42, 9--37.
Avis, D. and Fukuda, K. (1992). A pivoting algorithm for convex hulls and vertex
enumeration of arrangements and polyhedra. *Discrete & Computational Geometry* 8, 295--313.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from negotiation.model.tree import GameTree
from negotiation.solvers.polytope import _components, _enumerate_vertices, _popcount, _Tableau
from negotiation.solvers.records import Status
from negotiation.solvers.sequence_form import (
    SequenceForm,
    behaviour_from_plans,
    behaviour_regrets,
    sequence_form,
)
from negotiation.solvers.sequence_lemke import (
    SequenceFormEquilibrium,
    _best_responses,
    _scaled,
    _solve_basis,
)

__all__ = [
    "GameTooLargeError",
    "SequenceEnumerationError",
    "SequenceEnumerationResult",
    "sequence_form_equilibria",
]

#: Default size cap: most sequences (both players together) accepted.
MAX_SEQUENCES = 64
#: Default bound on the lexicographic bases visited per polyhedron.
MAX_BASES = 200_000


class GameTooLargeError(ValueError):
    """The game has more sequences than the enumeration accepts."""


class SequenceEnumerationError(RuntimeError):
    """A completely labelled pair failed the verification (a bug guard)."""


@dataclass(frozen=True)
class SequenceEnumerationResult:
    """Every extreme Nash equilibrium of a two-player extensive game, verified.

    Attributes
    ----------
    equilibria : tuple of SequenceFormEquilibrium
        The extreme equilibria (distinct pairs of realisation plans), each with exact
        behaviour strategies, payoffs and max regret (exactly 0), its plans and the
        information sets its own plan does not reach (uniform behaviour there);
        ``method="sequence_enumeration"``, ``pivots=0``.
    status : {"ok", "degenerate", "incomplete"}
        ``"ok"``: no vertex has extra labels and the search was complete; then every
        equilibrium is isolated. ``"degenerate"``: some vertex has more labels than the
        dimension of its polyhedron; the list holds the extreme points of every
        component. ``"incomplete"``: the search hit ``max_bases``.
    components : tuple of tuple of int
        Indices into ``equilibria`` grouped by connected component of the equilibrium set
        (two extreme equilibria sharing a plan of either player are joined).
    vertices : (int, int)
        Vertices of :math:`P` and :math:`Q` found.
    bases : (int, int)
        Lexicographic bases visited in :math:`P` and :math:`Q`.
    sequences : (int, int)
        Sequences of each player.
    method : str
    seconds : float
        Time for the sequence form, the enumeration and the verification.
    notes : tuple of str
    """

    equilibria: tuple[SequenceFormEquilibrium, ...]
    status: Status
    components: tuple[tuple[int, ...], ...]
    vertices: tuple[int, int]
    bases: tuple[int, int]
    sequences: tuple[int, int]
    method: str = "sequence_enumeration"
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        """Plain-data view for JSON (exact values as strings inside each equilibrium)."""
        return {
            "status": self.status,
            "method": self.method,
            "equilibria": [e.to_dict() for e in self.equilibria],
            "components": [list(c) for c in self.components],
            "vertices": list(self.vertices),
            "sequences": list(self.sequences),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- polyhedra


def _label(sf: SequenceForm, player: int, s: int) -> int:
    """Label of sequence ``s`` of ``player``: ``s`` for player 1, ``n1 + s`` for player 2."""
    return s if player == 0 else sf.sequences[0] + s


def _start_tableau(sf: SequenceForm, own: int) -> _Tableau:
    r"""Integer tableau of :math:`P` (``own=0``) or :math:`Q` (``own=1``) at a start vertex.

    Variables: the own plan's entries and the slacks of the other's sequences under their
    labels, then the other's free duals (numbered from :math:`n_1 + n_2`). Rows: the own
    plan's equations, then one per sequence :math:`t` of the other player,
    :math:`(M z)_t - (C^\top u)_t + w_t = 0` with :math:`M = B^\top` for ``own=0`` and
    :math:`A` for ``own=1``.
    """
    other = 1 - own
    n_own, n_other = sf.sequences[own], sf.sequences[other]
    C_own = (sf.E, sf.F)[own].tolist()
    c_own = [int(v) for v in (sf.e, sf.f)[own]]
    C_other = (sf.E, sf.F)[other].tolist()
    M = _scaled(sf.B.T.tolist() if own == 0 else sf.A.tolist())  # [other seq][own seq]
    N = sum(sf.sequences)
    duals = list(range(N, N + len(C_other)))
    width = N + len(C_other) + 1
    S: list[list[int]] = []
    for h, row in enumerate(C_own):
        r = [0] * width
        for s in range(n_own):
            r[_label(sf, own, s)] = int(row[s])
        r[-1] = c_own[h]
        S.append(r)
    for t in range(n_other):
        r = [0] * width
        for s in range(n_own):
            r[_label(sf, own, s)] = M[t][s]
        for h, dual in enumerate(duals):
            r[dual] = -int(C_other[h][t])
        r[_label(sf, other, t)] = 1
        S.append(r)
    # start: the pure plan "first action everywhere" and the other's best response to it
    chosen_own = {0} | set(sf.first[own])
    pure = [0] * n_own
    pure[0] = 1
    for start, head in zip(sf.first[own], sf.parent[own], strict=True):  # parents first
        pure[start] = pure[head]
    values = [sum(M[t][s] * pure[s] for s in range(n_own)) for t in range(n_other)]
    chosen_other = {0} | {sf.first[other][k] + a for k, a in enumerate(_best_responses(sf, other, values))}
    basic = duals + [_label(sf, own, s) for s in sorted(chosen_own)]
    basic += [_label(sf, other, t) for t in range(n_other) if t not in chosen_other]
    T, det = _solve_basis(S, basic)
    kept = [i for i, v in enumerate(basic) if v < N]
    start = tuple(basic[i] for i in kept)
    nonbasic = tuple(v for v in range(N) if v not in set(basic))
    rows = [[T[i][v] for v in nonbasic] + [T[i][-1]] for i in kept]
    if any(row[-1] < 0 for row in rows):  # pragma: no cover - bug guard
        raise SequenceEnumerationError("the starting basis is infeasible")
    return _Tableau(rows, start, nonbasic, det, True, start, sum(1 << v for v in start))


def _plan(sf: SequenceForm, own: int, point: tuple) -> tuple[Fraction, ...]:
    """The own realisation plan of a stored vertex (basis, right-hand side, det)."""
    basis, rhs, det = point
    plan = [Fraction(0)] * sf.sequences[own]
    offset = 0 if own == 0 else sf.sequences[0]
    for v, b in zip(basis, rhs, strict=True):
        if offset <= v < offset + sf.sequences[own]:
            plan[v - offset] = Fraction(b, det)
    return tuple(plan)


# --------------------------------------------------------------------------- solver


def sequence_form_equilibria(
    tree: GameTree | SequenceForm,
    *,
    max_sequences: int = MAX_SEQUENCES,
    max_bases: int = MAX_BASES,
) -> SequenceEnumerationResult:
    r"""Every extreme Nash equilibrium in behaviour strategies, by sequence-form vertex enumeration.

    See the module docstring for the polyhedra, the algorithm and the verification.

    Parameters
    ----------
    tree : GameTree or SequenceForm
        A two-player game with perfect recall, a batch of one (or its sequence form).
    max_sequences : int
        Size cap on :math:`n_1 + n_2`; larger games raise :class:`GameTooLargeError`.
    max_bases : int
        Bound on the lexicographic bases visited per polyhedron (``"incomplete"`` beyond).

    Returns
    -------
    SequenceEnumerationResult

    Raises
    ------
    GameTooLargeError
        If the game has more than ``max_sequences`` sequences.
    ImperfectRecallError
        Naming the information set where a player forgets its own moves.
    SequenceEnumerationError
        If a completely labelled pair fails the exact verification (a bug guard).

    Examples
    --------
    The battle of the sexes as a tree (he does not see her choice): two pure equilibria
    and the mixed one, she at the opera with 2/3, he with 1/3, each paid 2/3.

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("she", "he"))
    >>> root = b.add_personal(None, 0, "venue", ("opera", "match"))
    >>> for _ in range(2):
    ...     guess = b.add_personal(root, 1, "venue?", ("opera", "match"))
    ...     _ = b.add_terminal(guess), b.add_terminal(guess)
    >>> result = sequence_form_equilibria(b.build([[2, 1], [0, 0], [0, 0], [1, 2]]))
    >>> result.status, result.components
    ('ok', ((0,), (1,), (2,)))
    >>> [[str(p) for p in eq.plans[0]] + [str(v) for v in eq.exact[1]] for eq in result.equilibria]
    [['1', '1', '0', '2', '1'], ['1', '2/3', '1/3', '2/3', '2/3'], ['1', '0', '1', '1', '2']]
    """
    started = time.perf_counter()
    sf = tree if isinstance(tree, SequenceForm) else sequence_form(tree)
    n1, n2 = sf.sequences
    if n1 + n2 > max_sequences:
        raise GameTooLargeError(
            f"the game has {n1} + {n2} = {n1 + n2} sequences, more than max_sequences="
            f"{max_sequences}: vertex enumeration grows exponentially; use Lemke's algorithm "
            "(sequence_form_equilibrium) for one equilibrium, or raise max_sequences"
        )
    N = n1 + n2
    k1, k2 = sf.E.shape[0], sf.F.shape[0]
    pv = _enumerate_vertices(_start_tableau(sf, 0), N, max_bases)
    qv = _enumerate_vertices(_start_tableau(sf, 1), N, max_bases)
    notes: list[str] = []
    # a ray (an entering column with no positive entry) is expected in these unbounded
    # polyhedra; only the bound on bases makes the search incomplete
    truncated = pv.bases >= max_bases or qv.bases >= max_bases
    if truncated:
        notes.append(
            f"vertex enumeration stopped at max_bases={max_bases} (bases visited: P {pv.bases}, "
            f"Q {qv.bases}): the list may miss equilibria"
        )
    degenerate = any(_popcount(m) > n1 - k1 + k2 for m in pv.masks) or any(
        _popcount(m) > n2 - k2 + k1 for m in qv.masks
    )
    full = (1 << N) - 1
    xs = [_plan(sf, 0, p) for p in pv.points]
    ys = [_plan(sf, 1, p) for p in qv.points]
    pairs = sorted(
        {(xs[a], ys[b]) for a, pm in enumerate(pv.masks) for b, qm in enumerate(qv.masks) if pm | qm == full},
        key=lambda pair: (tuple(-v for v in pair[0]), tuple(-v for v in pair[1])),
    )
    seconds = time.perf_counter() - started
    equilibria = []
    for x, y in pairs:
        behaviour, unreached = behaviour_from_plans(sf, (x, y))
        payoffs, regrets = behaviour_regrets(sf, behaviour)
        if x[0] != 1 or y[0] != 1 or any(v < 0 for v in x + y) or any(regrets):
            raise SequenceEnumerationError(  # pragma: no cover - bug guard
                f"a completely labelled pair is not an equilibrium (regrets {regrets})"
            )
        equilibria.append(
            SequenceFormEquilibrium(
                strategies=tuple(  # type: ignore[arg-type]
                    tuple(tuple(float(p) for p in probs) for probs in player) for player in behaviour
                ),
                payoffs=(float(payoffs[0]), float(payoffs[1])),
                max_regret=0.0,
                exact=(behaviour, payoffs, Fraction(0)),
                plans=(x, y),
                unreached=unreached,
                method="sequence_enumeration",
                seconds=seconds,
            )
        )
    status: Status = "incomplete" if truncated else ("degenerate" if degenerate else "ok")
    return SequenceEnumerationResult(
        equilibria=tuple(equilibria),
        status=status,
        components=_components(pairs),
        vertices=(len(pv.masks), len(qv.masks)),
        bases=(pv.bases, qv.bases),
        sequences=(n1, n2),
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )
