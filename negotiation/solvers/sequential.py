r"""Sequential equilibria of two-player game trees: consistent assessments by trembles (beliefs
by Bayes' rule and the values of actions are in :mod:`negotiation.solvers.beliefs`, the
intuitive criterion in :mod:`negotiation.solvers.intuitive`).

Model
-----
An *assessment* :math:`(\beta, \mu)` is a behaviour profile :math:`\beta` and a *belief*
:math:`\mu_h` over the members of every information set :math:`h`. It is *consistent*
(Kreps and Wilson 1982) when there are fully mixed profiles :math:`\beta^n \to \beta` whose
Bayes beliefs converge to :math:`\mu`, and *sequentially rational* when at every
information set :math:`h` of player :math:`i`, reached or not, :math:`\beta_i` maximises
:math:`i`'s expected payoff from :math:`h` on, given :math:`\mu_h` and :math:`\beta_{-i}`. A
*sequential equilibrium* is a consistent, sequentially rational assessment. Where
:math:`h` is reached with positive probability under :math:`\beta` every consistent
belief is Bayes' rule, :math:`\mu_h(x) = P_\beta(x) / P_\beta(h)`.

Consistent beliefs as monomial trembles
---------------------------------------
Give every action :math:`a` with :math:`\beta(a) = 0` an *order* :math:`r_a > 0` and a
*coefficient* :math:`c_a > 0`, and let it be played with probability :math:`c_a
\varepsilon^{r_a}` (actions with :math:`\beta(a) > 0` keep it, up to normalisation). A
node :math:`x` with zero-probability actions :math:`Z(x)` on its path is then reached with
probability :math:`b(x) \prod_{a \in Z(x)} c_a \, \varepsilon^{R(x)} + o(\varepsilon^{R(x)})`,
:math:`R(x) = \sum_{a \in Z(x)} r_a`, :math:`b(x)` the product of the chance and positive
behaviour probabilities. As :math:`\varepsilon \to 0` the Bayes beliefs converge to

.. math:: \mu_h(x) \propto b(x) \prod_{a \in Z(x)} c_a \quad \text{on }
          \arg\min_{y \in h} R(y), \qquad 0 \text{ elsewhere,}

so every such family gives a consistent belief system. Conversely every consistent
assessment arises this way: the set of (profile, belief) pairs along which the limit is
taken is semi-algebraic, so by the curve-selection lemma the limit is attained along a
Puiseux curve :math:`\beta^\varepsilon(a) = c_a \varepsilon^{r_a} + \dots` with rational
orders, and the belief limit depends only on the leading terms (Kreps and Wilson 1982,
section 5 and their appendix; Kohlberg and Reny 1997 give the equivalent characterisation by
product conditional probability systems, Myerson 1986 by conditional probability systems).

Two consequences hold for *every* consistent belief and are used as proofs of failure: a
member :math:`y` whose :math:`Z(y)` strictly contains :math:`Z(x)` for another member
:math:`x` gets belief 0; members with the same :math:`Z` keep the ratio of their
:math:`b`. So :math:`\mu_h` lies in the simplex over the *minimal groups* of :math:`h`
(members with a minimal set :math:`Z`), with fixed proportions inside each group; a single
minimal group fixes the belief (at a reached set it is Bayes' rule).

Method of :func:`sequential_assessment`
---------------------------------------
1. *Necessary conditions, exact.* For every information set, the beliefs in the set above
   that make :math:`\beta_i` optimal form a polytope: for every pure continuation plan
   :math:`s` of player :math:`i` from :math:`h`,
   :math:`\sum_{x} \mu_h(x) (U_i(x \mid \beta) - U_i(x \mid s, \beta_{-i})) \ge 0`. Its
   vertices are enumerated exactly (Fractions). An empty polytope at any set *proves*
   that no sequential equilibrium has behaviour :math:`\beta` (``status="not sequential"``).
2. *Witness search, exact check.* Candidate tremble families (orders and coefficients):
   uniform trembles; families fitted to target beliefs chosen from the polytopes of step 1
   (a linear programme for the orders that puts the target's support at the lowest order,
   least squares in :math:`\log c` for the proportions, coefficients rounded to rationals);
   and seeded random families. Each candidate's limit beliefs are computed exactly and
   sequential rationality is checked exactly at every information set by a backward pass
   over the player's continuation (the best continuation value equals the value of
   :math:`\beta`). The first candidate that passes is returned with its trembles: a
   certificate anyone can re-check (``status="sequential"``).
3. Otherwise ``status="undecided"``: no witness was found, but none of the necessary
   conditions fails. The search is not complete when the beliefs at different unreached
   sets are tied by shared trembles; it never reports a wrong ``True`` or ``False``.

Behaviour at a set the player's *own* strategy does not reach is payoff-irrelevant: any
choice there gives the same play, payoffs and Nash property (Lemke's end point shows the
uniform convention of :func:`~negotiation.solvers.sequence_form.behaviour_from_plans`). When
the profile as given is not shown sequential, :func:`sequential_assessment` tries once more
with a pure best reply at those sets (deepest first, given uniform-tremble beliefs) and
returns the profile its verdict is about. A ``"not sequential"`` verdict is about the
behaviour as given: another choice at such sets might still complete the same realisation
plans into a sequential equilibrium.

References
----------
Kreps, D. M. and Wilson, R. (1982). Sequential equilibria. *Econometrica* 50, 863--894.
Kohlberg, E. and Reny, P. J. (1997). Independence on relative probability spaces and
consistent assessments in game trees. *Journal of Economic Theory* 75, 280--313.
Myerson, R. B. (1986). Multistage games with communication. *Econometrica* 54, 323--358.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from negotiation.model.tree import GameTree
from negotiation.solvers.beliefs import (
    Beliefs,
    Key,
    _action_values,
    _Context,
    _context,
    _continuation_data,
    _gap,
    _plans,
    _simplex_vertices,
    beliefs_by_bayes,
)
from negotiation.solvers.sequence_form import (
    ExactBehaviour,
    behaviour_regrets,
)

__all__ = [
    "Beliefs",
    "SequentialAssessment",
    "beliefs_by_bayes",
    "sequential_assessment",
]

SEQUENTIAL, NOT_SEQUENTIAL, UNDECIDED = "sequential", "not sequential", "undecided"


@dataclass(frozen=True)
class _Groups:
    """Minimal groups of one information set: their zero actions, total weight and belief."""

    keys: tuple[frozenset[Key], ...]
    weights: tuple[Fraction, ...]  # total b of each group
    direction: tuple[tuple[Fraction, ...], ...]  # the group's belief vector over all members


def _groups(ctx: _Context, s: int) -> _Groups:
    members = ctx.tree.infosets[s].members
    by_key: dict[frozenset[Key], list[int]] = {}
    for pos, x in enumerate(members):
        if ctx.b[x] > 0:
            by_key.setdefault(ctx.zeros[x], []).append(pos)
    minimal = [z for z in by_key if not any(o < z for o in by_key)]
    minimal.sort(key=lambda z: by_key[z][0])
    weights, directions = [], []
    for z in minimal:
        w = sum((ctx.b[members[p]] for p in by_key[z]), Fraction(0))
        weights.append(w)
        directions.append(
            tuple(ctx.b[x] / w if p in by_key[z] else Fraction(0) for p, x in enumerate(members))
        )
    return _Groups(tuple(minimal), tuple(weights), tuple(directions))


# --------------------------------------------------------------------------- trembles


def _limit_beliefs(
    ctx: _Context, orders: dict[Key, Fraction], coefficients: dict[Key, Fraction]
) -> Beliefs:
    out = []
    for player in (0, 1):
        sets = []
        for s in ctx.sf.infosets[player]:
            members = ctx.tree.infosets[s].members
            live = [x for x in members if ctx.b[x] > 0]
            R = {
                x: sum((orders.get(a, Fraction(1)) for a in ctx.zeros[x]), Fraction(0))
                for x in live
            }
            low = min(R.values())
            w = {
                x: ctx.b[x]
                * math.prod(
                    (coefficients.get(a, Fraction(1)) for a in ctx.zeros[x]), start=Fraction(1)
                )
                for x in live
                if R[x] == low
            }
            total = sum(w.values(), Fraction(0))
            sets.append(tuple(w.get(x, Fraction(0)) / total for x in members))
        out.append(tuple(sets))
    return (out[0], out[1])


def _fit_trembles(
    ctx: _Context, targets: dict[int, tuple[_Groups, tuple[Fraction, ...]]], keys: list[Key]
) -> tuple[dict[Key, Fraction], dict[Key, Fraction]] | None:
    """Orders and coefficients whose limit beliefs are (close to) the target group masses."""
    from scipy.optimize import linprog

    index = {a: j for j, a in enumerate(keys)}
    n = len(keys)
    if n == 0:
        return {}, {}

    def row(z: frozenset[Key]) -> np.ndarray:
        r = np.zeros(n)
        for a in z:
            r[index[a]] += 1
        return r

    A_eq, A_ub, eqs = [], [], []
    ratios: list[Fraction] = []
    for groups, lam in targets.values():
        support = [j for j, v in enumerate(lam) if v > 0]
        g0 = support[0]
        for j in support[1:]:
            A_eq.append(row(groups.keys[j]) - row(groups.keys[g0]))
            eqs.append(row(groups.keys[j]) - row(groups.keys[g0]))
            ratios.append((lam[j] / groups.weights[j]) / (lam[g0] / groups.weights[g0]))
        for j in range(len(lam)):
            if lam[j] == 0:
                A_ub.append(row(groups.keys[g0]) - row(groups.keys[j]))
    res = linprog(
        np.ones(n),
        A_ub=np.array(A_ub) if A_ub else None,
        b_ub=-np.ones(len(A_ub)) if A_ub else None,
        A_eq=np.array(A_eq) if A_eq else None,
        b_eq=np.zeros(len(A_eq)) if A_eq else None,
        bounds=[(1, None)] * n,
        method="highs",
    )
    if res.status != 0:
        return None
    orders = {a: Fraction(float(res.x[j])).limit_denominator(1000) for a, j in index.items()}
    exact = _product_solution([[int(v) for v in r] for r in eqs], ratios, n)
    if exact is not None:
        return orders, {a: exact[j] for a, j in index.items()}
    logs = np.linalg.lstsq(np.array(eqs), np.array([math.log(r) for r in ratios]), rcond=None)[0]
    coefficients = {
        a: max(Fraction(math.exp(float(logs[j]))).limit_denominator(10**6), Fraction(1, 10**6))
        for a, j in index.items()
    }
    return orders, coefficients


def _product_solution(M: list[list[int]], ratios: list[Fraction], n: int) -> list[Fraction] | None:
    r"""Positive rationals :math:`c` with :math:`\prod_j c_j^{M_{ej}} = \rho_e` for every row ``e``.

    Exact elimination on :math:`M \log c = \log \rho`, keeping each right-hand side as
    integer exponents of the :math:`\rho_e` (free variables set to 1); None when an exponent
    is not an integer or the system is inconsistent (the caller then fits in floats).
    """
    E = len(M)
    rows = [
        [Fraction(v) for v in M[e]] + [Fraction(int(e == f)) for f in range(E)] for e in range(E)
    ]
    pivots = []
    r = 0
    for c in range(n):
        p = next((i for i in range(r, E) if rows[i][c] != 0), None)
        if p is None:
            continue
        rows[r], rows[p] = rows[p], rows[r]
        piv = rows[r][c]
        rows[r] = [v / piv for v in rows[r]]
        for i in range(E):
            if i != r and rows[i][c] != 0:
                f = rows[i][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
        r += 1

    def power(exponents: list[Fraction]) -> Fraction | None:
        if any(e.denominator != 1 for e in exponents):
            return None
        return math.prod(
            (rho ** int(e) for rho, e in zip(ratios, exponents, strict=True)), start=Fraction(1)
        )

    for i in range(r, E):  # consistency of the dependent equations
        if power(rows[i][n:]) != 1:
            return None
    c = [Fraction(1)] * n
    for i, j in enumerate(pivots):
        value = power(rows[i][n:])
        if value is None:
            return None
        c[j] = value
    return c


@dataclass(frozen=True, eq=False)
class SequentialAssessment:
    """Whether a behaviour profile is part of a sequential equilibrium, with its certificate.

    Attributes
    ----------
    status : str
        ``"sequential"`` (a consistent assessment was found and checked exactly),
        ``"not sequential"`` (proved: no consistent belief makes the play rational) or
        ``"undecided"`` (neither; see the module docstring).
    beliefs : Beliefs or None
        Where sequential: ``[player][information set][member]`` (sets in order of
        appearance, members in preorder), consistent and making the play rational.
    trembles : tuple of (player, information set position, action, order, coefficient)
        Where sequential: the tremble family :math:`c\\,\\varepsilon^{r}` on the
        zero-probability actions whose limit gives ``beliefs`` (every other zero action
        trembles with order 1 and coefficient 1).
    reason : str
        Why (the failing information set, or how the witness was found).
    behaviour : ExactBehaviour
        The profile the verdict is about (the input, or the input with best replies at
        sets the player's own strategy does not reach; see ``repair``).
    method : str
    failing : (player, information set position) or None
        Where not sequential: the set at which no consistent belief makes the play
        optimal (None when the profile is not a Nash equilibrium).
    """

    status: str
    beliefs: Beliefs | None
    trembles: tuple[tuple[int, int, int, Fraction, Fraction], ...]
    reason: str
    behaviour: ExactBehaviour
    method: str = "monomial trembles"
    failing: tuple[int, int] | None = None

    @property
    def sequential(self) -> bool | None:
        """True, False, or None where undecided."""
        return {SEQUENTIAL: True, NOT_SEQUENTIAL: False}.get(self.status)

    def to_dict(self) -> dict:
        """Plain data for JSON: ``sequential`` (true, false or null), ``status``, float beliefs."""
        return {
            "sequential": self.sequential,
            "status": self.status,
            "reason": self.reason,
            "method": self.method,
            "failing": None if self.failing is None else list(self.failing),
            "beliefs": None
            if self.beliefs is None
            else [[[float(v) for v in h] for h in player] for player in self.beliefs],
            "exact_beliefs": None
            if self.beliefs is None
            else [[[str(v) for v in h] for h in player] for player in self.beliefs],
        }


def _set_name(ctx: _Context, s: int) -> str:
    info = ctx.tree.infosets[s]
    return f"information set {info.number or s + 1} ({info.label!r}) of {ctx.tree.players[info.player]!r}"


def sequential_assessment(
    tree: GameTree,
    behaviour: Sequence,
    *,
    attempts: int = 200,
    seed: int = 0,
    max_plans: int = 2_000,
    repair: bool = True,
) -> SequentialAssessment:
    r"""Decide whether a behaviour profile is part of a sequential equilibrium (Kreps--Wilson).

    The method (monomial trembles, exact necessary conditions, exact check of each
    candidate) is in the module docstring. ``"sequential"`` comes with consistent beliefs
    and the trembles that generate them; ``"not sequential"`` with the information set where
    no consistent belief makes the play optimal; ``"undecided"`` when neither was shown.

    Parameters
    ----------
    tree : GameTree
        Two players, perfect recall, a batch of one; chance probabilities exact or floats.
    behaviour : ``[player][information set][action]``
        Sets in order of appearance; Fractions (e.g.
        ``sequence_form_equilibrium(tree).exact[0]``) for an exact answer.
    attempts : int
        Bound on the candidate tremble families tried.
    seed : int
        Seed of the random candidates (``numpy.random.default_rng``).
    max_plans : int
        Bound on the pure continuation plans enumerated per information set for the
        necessary conditions (beyond it no proof of failure is attempted there).
    repair : bool
        If the profile as given is not shown sequential and some player's own strategy
        does not reach one of its information sets (where a Nash equilibrium may choose
        anything, e.g. the uniform convention of Lemke's end point), try again with a pure
        best reply there (given uniform-tremble beliefs, deepest sets first). The play,
        the payoffs and the Nash property are unchanged; ``result.behaviour`` is the profile
        the verdict is about (the given one when the retry fails too).

    Returns
    -------
    SequentialAssessment

    Examples
    --------
    Entry deterrence: (out, fight) is a Nash equilibrium, but fighting after entry is not
    optimal; (in, accommodate) is sequential.

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("entrant", "incumbent"))
    >>> root = b.add_personal(None, 0, "entry", ("out", "in"))
    >>> _ = b.add_terminal(root)
    >>> fight = b.add_personal(root, 1, "fight?", ("fight", "accommodate"))
    >>> _ = b.add_terminal(fight), b.add_terminal(fight)
    >>> tree = b.build([[0, 2], [-1, -1], [1, 1]])
    >>> sequential_assessment(tree, [[[1, 0]], [[1, 0]]]).status
    'not sequential'
    >>> sequential_assessment(tree, [[[0, 1]], [[0, 1]]]).beliefs
    (((Fraction(1, 1),),), ((Fraction(1, 1),),))
    """
    ctx = _context(tree, behaviour)
    result = _assess(ctx, attempts, seed, max_plans)
    if result.status == SEQUENTIAL or not repair:
        return result
    repaired = _repaired(ctx)
    if repaired is None:
        return result
    second = _assess(repaired, attempts, seed, max_plans)
    if second.status != SEQUENTIAL:
        return replace(
            result,
            reason=result.reason + "; choosing best replies at the sets the "
            "player's own strategy does not reach did not give a sequential equilibrium either",
        )
    changed = [
        _set_name(ctx, ctx.sf.infosets[p][k])
        for p in (0, 1)
        for k in range(len(ctx.sf.infosets[p]))
        if ctx.behaviour[p][k] != repaired.behaviour[p][k]
    ]
    return replace(
        second,
        reason=f"behaviour replaced by best replies at {changed} (sets the player's own "
        f"strategy does not reach, so the play and payoffs are unchanged); " + second.reason,
    )


def _own_unreached(ctx: _Context) -> list[int]:
    """Sets (tree indices) the player's own behaviour reaches with probability 0, deepest first."""
    out = []
    for s, info in enumerate(ctx.tree.infosets):
        if info.player < 0:
            continue
        x = info.members[0]
        if any(
            ctx.tree.player[u] == info.player and ctx.edge[w] == 0 for u, w in _edges(ctx.tree, x)
        ):
            out.append(s)
    return sorted(out, key=lambda s: -max(ctx.tree.infosets[s].members))


def _edges(tree: GameTree, v: int) -> list[tuple[int, int]]:
    """(parent, child) pairs on the path from the root to ``v``."""
    out = []
    while tree.parent[v] >= 0:
        out.append((int(tree.parent[v]), v))
        v = int(tree.parent[v])
    return out


def _repaired(ctx: _Context) -> _Context | None:
    """Behaviour with a pure best reply (given uniform-tremble beliefs) at every set the
    player's own strategy does not reach, deepest first; None if there is no such set."""
    sets = _own_unreached(ctx)
    if not sets:
        return None
    behaviour = [list(ctx.behaviour[0]), list(ctx.behaviour[1])]
    for s in sets:
        player, k = ctx.position[s]
        mu = _limit_beliefs(ctx, {}, {})[player][k]
        values = _action_values(ctx, s, mu, {})
        best = values.index(max(values))
        behaviour[player][k] = tuple(Fraction(int(a == best)) for a in range(len(values)))
        ctx = _context(ctx.tree, behaviour)
    return ctx


def _assess(ctx: _Context, attempts: int, seed: int, max_plans: int) -> SequentialAssessment:
    """The method of the module docstring on one behaviour profile."""
    cache: dict = {}
    _, regrets = behaviour_regrets(ctx.sf, ctx.behaviour)
    if max(regrets) > 0:
        return SequentialAssessment(
            NOT_SEQUENTIAL,
            None,
            (),
            f"not a Nash equilibrium (regrets {regrets[0]}, {regrets[1]})",
            ctx.behaviour,
        )
    # 1. necessary conditions at every information set
    free: dict[int, tuple[_Groups, list[tuple[Fraction, ...]]]] = {}
    unproved = []
    for player in (0, 1):
        for s in ctx.sf.infosets[player]:
            groups = _groups(ctx, s)
            if len(groups.keys) == 1:
                gap = _gap(ctx, s, groups.direction[0], cache)
                if gap > 0:
                    return SequentialAssessment(
                        NOT_SEQUENTIAL,
                        None,
                        (),
                        f"{_set_name(ctx, s)}: its only consistent belief "
                        f"{[str(v) for v in groups.direction[0]]} leaves a gain of {gap} from deviating",
                        ctx.behaviour,
                        failing=(player, ctx.position[s][1]),
                    )
                continue
            plans = _plans(ctx, s, max_plans)
            if plans is None:
                unproved.append(s)
                continue
            p_, _, _, gx = _continuation_data(ctx, s, cache)
            members = ctx.tree.infosets[s].members
            own = [ctx.ev[x][p_] for x in members]
            rows = []
            for plan in plans:
                dev = [
                    sum((v for sig, v in gx[i].items() if sig in plan), Fraction(0))
                    for i in range(len(members))
                ]
                rows.append(
                    [
                        sum((d[i] * (own[i] - dev[i]) for i in range(len(members))), Fraction(0))
                        for d in groups.direction
                    ]
                )
            vertices = _simplex_vertices(rows, len(groups.keys))
            if vertices is None:
                unproved.append(s)
                continue
            if not vertices:
                return SequentialAssessment(
                    NOT_SEQUENTIAL,
                    None,
                    (),
                    f"{_set_name(ctx, s)}: no belief over its members that any consistent assessment "
                    "allows makes the behaviour optimal there",
                    ctx.behaviour,
                    failing=(player, ctx.position[s][1]),
                )
            if any(r < 0 for row in rows for r in row):  # some allowed beliefs fail
                free[s] = (groups, vertices)
    # 2. witness search
    keys = sorted({a for x in range(ctx.tree.size) for a in ctx.zeros[x]})
    candidates = _candidates(free, attempts)
    rng = np.random.default_rng(seed)
    tried = 0
    for target in candidates:
        if tried >= attempts:
            break
        tried += 1
        if target is None:
            fitted: tuple | None = ({}, {})
        else:
            fitted = _fit_trembles(ctx, target, keys)
        if fitted is None:
            continue
        result = _check(
            ctx,
            fitted[0],
            fitted[1],
            cache,
            "fitted to target beliefs" if target else "uniform trembles",
        )
        if result is not None:
            return result
    while tried < attempts and keys:
        tried += 1
        orders = {a: Fraction(int(rng.integers(1, 4))) for a in keys}
        coefficients = {
            a: Fraction(math.exp(rng.normal(0, 2))).limit_denominator(10**4) or Fraction(1, 10**4)
            for a in keys
        }
        result = _check(ctx, orders, coefficients, cache, "random trembles")
        if result is not None:
            return result
    where = f"; no proof attempted at {[_set_name(ctx, s) for s in unproved]}" if unproved else ""
    return SequentialAssessment(
        UNDECIDED,
        None,
        (),
        f"every information set admits a consistent belief making the play optimal, but no "
        f"tremble family among {tried} tried makes them hold together{where}",
        ctx.behaviour,
    )


def _candidates(free: dict, attempts: int) -> list:
    """Target beliefs per constrained set: None (uniform trembles), centroids, then vertex choices."""
    out: list = [None]
    if not free:
        return out
    options = {}
    for s, (groups, vertices) in free.items():
        centroid = tuple(
            sum(v[j] for v in vertices) / len(vertices) for j in range(len(groups.keys))
        )
        options[s] = [(groups, centroid)] + [(groups, v) for v in vertices]
    for combo in itertools.islice(itertools.product(*options.values()), attempts):
        out.append(dict(zip(options, combo, strict=True)))
    return out


def _check(
    ctx: _Context, orders: dict, coefficients: dict, cache: dict, how: str
) -> SequentialAssessment | None:
    beliefs = _limit_beliefs(ctx, orders, coefficients)
    for player in (0, 1):
        for k, s in enumerate(ctx.sf.infosets[player]):
            if _gap(ctx, s, beliefs[player][k], cache) != 0:
                return None
    trembles = tuple(
        (
            *ctx.position[s],
            a,
            orders.get((s, a), Fraction(1)),
            coefficients.get((s, a), Fraction(1)),
        )
        for s, a in sorted({a for z in ctx.zeros for a in z})
    )
    return SequentialAssessment(
        SEQUENTIAL,
        beliefs,
        trembles,
        f"consistent beliefs from {how}, checked exactly: sequentially rational at every information set",
        ctx.behaviour,
    )
