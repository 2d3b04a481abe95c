r"""Equilibrium selection: which of several Nash equilibria to predict.

Given a bimatrix game :math:`(A, B)` (row player first, payoffs indexed
``[row action, column action]``) and a list of its Nash equilibria
:math:`(x^k, y^k)`, each rule returns a :class:`Selection`: the index of the chosen
equilibrium, the rule, a one-sentence reason and whether a stated fallback (rather
than the rule's own criterion) decided. Write :math:`u^k = (x^{k\top} A y^k,
x^{k\top} B y^k)` for the expected payoffs of equilibrium :math:`k`.

Rules
-----
``payoff_dominant``
    Harsanyi and Selten (1988, sec. 3.9): :math:`k` *payoff-dominates* :math:`l` if
    :math:`u^k \ge u^l` for both players with strict inequality for at least one.
    The selected equilibrium payoff-dominates every other one. *Fallback* when none
    does: among the Pareto-undominated equilibria, the highest payoff sum
    :math:`u^k_1 + u^k_2`; ties to the lowest index.
``risk_dominant``
    Harsanyi and Selten (1988, sec. 3.9 and 5.6). For two strict pure equilibria
    :math:`(1, 1)` and :math:`(2, 2)` of a 2x2 game, :math:`(1, 1)` risk-dominates
    :math:`(2, 2)` if the *Nash product of deviation losses* is larger:

    .. math:: (a_{11} - a_{21})(b_{11} - b_{12}) > (a_{22} - a_{12})(b_{22} - b_{21}).

    *Generalisation* (this package's, documented, not Harsanyi-Selten's tracing
    procedure): only pure equilibria are compared. Two pure equilibria
    :math:`(i, j)` and :math:`(k, l)` with :math:`i \ne k`, :math:`j \ne l` are
    compared by the formula above in the 2x2 subgame on rows :math:`\{i, k\}` and
    columns :math:`\{j, l\}`,

    .. math:: (a_{ij} - a_{kj})(b_{ij} - b_{il}) \quad\text{vs}\quad (a_{kl} - a_{il})(b_{kl} - b_{kj});

    pure equilibria sharing a row or a column are not comparable (treated as a tie).
    The selected equilibrium strictly risk-dominates every other pure equilibrium
    pairwise; a unique pure equilibrium is selected outright. Mixed equilibria are
    not candidates. *Fallback* when no pure equilibrium risk-dominates all others
    (ties, cycles, no pure equilibrium): the ``logit_qre`` rule.
``utilitarian``
    The highest payoff sum :math:`u^k_1 + u^k_2`; ties to the lowest index (flagged
    as a fallback).
``logit_qre``
    The equilibrium nearest, in L1 distance :math:`\|x^k - x^*\|_1 + \|y^k - y^*\|_1`,
    to the limit :math:`(x^*, y^*)` of the principal branch of the logit quantal
    response equilibrium (McKelvey and Palfrey 1995; see
    :mod:`negotiation.solvers.qre`); ties to the lowest index (flagged as a fallback).

Numerical ties are decided with the tolerance ``1e-9 * s`` (``1e-9 * s**2`` for
Nash products), :math:`s` the larger of the two payoff ranges. Every profile passed
in must be a Nash equilibrium up to ``1e-6 * s`` in max regret.

References
----------
Harsanyi, J. C. and Selten, R. (1988). *A General Theory of Equilibrium Selection
in Games*. MIT Press.

McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal
form games. *Games and Economic Behavior* 10, 6--38.

Examples
--------
The stag hunt (stag = action 0, hare = action 1):

>>> import numpy as np
>>> A = np.array([[9., 0.], [8., 7.]])
>>> stag, hare = np.array([1., 0.]), np.array([0., 1.])
>>> equilibria = [(stag, stag), (hare, hare)]
>>> select_equilibrium(A, A.T, equilibria, "payoff_dominant").index
0
>>> select_equilibrium(A, A.T, equilibria, "risk_dominant").reason
'risk-dominates the other pure equilibrium: Nash product of deviation losses 49 against 1'
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from negotiation.equilibrium import max_regret
from negotiation.solvers.qre import QREBranch, _game, payoff_scale, trace_principal_branch

__all__ = [
    "Selection",
    "payoff_dominant",
    "risk_dominant",
    "utilitarian",
    "logit_qre_selection",
    "SELECTION_RULES",
    "select_equilibrium",
]

#: Max regret (relative to the payoff scale) above which a profile is refused.
NASH_TOLERANCE = 1e-6
#: Relative tolerance for payoff comparisons.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Selection:
    """The equilibrium a selection rule picks, and why.

    Attributes
    ----------
    index : int
        Index into the equilibria passed in.
    rule : str
        The rule's name (a key of :data:`SELECTION_RULES`).
    reason : str
        One sentence a policy reader understands.
    fallback : bool
        True when the rule's primary criterion did not decide and a stated
        fallback (or tie-break) did.
    """

    index: int
    rule: str
    reason: str
    fallback: bool


Profile = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------- inputs


def _profiles(A: np.ndarray, B: np.ndarray, equilibria: Sequence[Any]) -> list[Profile]:
    """Validate the equilibria: (x, y) pairs or records with ``row`` and ``column``."""
    if equilibria is None or len(equilibria) == 0:
        raise ValueError("equilibria is empty: expected at least one (x, y) equilibrium")
    m, n = A.shape
    s = payoff_scale(A, B)
    profiles = []
    for k, eq in enumerate(equilibria):
        if hasattr(eq, "row") and hasattr(eq, "column"):
            x, y = eq.row, eq.column
        else:
            try:
                x, y = eq
                if np.ndim(x) == 0 or np.ndim(y) == 0:  # a strategy vector, not a pair
                    raise ValueError
            except (TypeError, ValueError):
                raise ValueError(
                    f"equilibria[{k}]: expected a pair (x, y) of mixed strategies"
                ) from None
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.shape != (m,) or y.shape != (n,):
            raise ValueError(
                f"equilibria[{k}]: expected strategies of shapes ({m},) and ({n},) for a "
                f"{m}x{n} game; got {x.shape} and {y.shape}"
            )
        for name, p in (("row", x), ("column", y)):
            if not np.all(np.isfinite(p)) or np.any(p < -1e-9) or abs(p.sum() - 1) > 1e-6:
                raise ValueError(
                    f"equilibria[{k}]: the {name} strategy is not a probability vector: {p}"
                )
        regret = max_regret(A, B, x, y)
        if regret > NASH_TOLERANCE * s:
            raise ValueError(
                f"equilibria[{k}] is not a Nash equilibrium of (A, B): max regret "
                f"{regret:.3g} > {NASH_TOLERANCE:g} * payoff range {s:.4g}"
            )
        profiles.append((x, y))
    return profiles


def _inputs(A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any]):
    A, B = _game(A, B)
    profiles = _profiles(A, B, equilibria)
    payoffs = np.array([(x @ A @ y, x @ B @ y) for x, y in profiles])
    return A, B, profiles, payoffs, payoff_scale(A, B)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _pair(u: np.ndarray) -> str:
    return f"({_fmt(u[0])}, {_fmt(u[1])})"


def _ties(indices: list[int]) -> str:
    return ", ".join(str(i) for i in indices)


# --------------------------------------------------------------------------- rules


def payoff_dominant(A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any]) -> Selection:
    r"""The equilibrium that payoff-dominates all others (Harsanyi and Selten 1988).

    :math:`k` payoff-dominates :math:`l` if both players get at least as much in
    :math:`k` as in :math:`l` and one strictly more. Fallback when no equilibrium
    payoff-dominates all others: the Pareto-undominated equilibrium with the highest
    payoff sum, ties to the lowest index (``fallback=True``).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    equilibria : sequence of (x, y)
        Nash equilibria (pairs of mixed strategies, or records with ``row`` and
        ``column`` such as :class:`~negotiation.equilibrium.MixedEquilibrium`).

    Raises
    ------
    ValueError
        Empty list, bad shapes, or a profile that is not a Nash equilibrium.

    References
    ----------
    Harsanyi and Selten (1988), sec. 3.9.

    Examples
    --------
    Battle of the sexes: each side prefers a different pure equilibrium.

    >>> import numpy as np
    >>> A, B = np.array([[2., 0.], [0., 1.]]), np.array([[1., 0.], [0., 2.]])
    >>> eqs = [(np.array([1., 0.]), np.array([1., 0.])),
    ...        (np.array([0., 1.]), np.array([0., 1.])),
    ...        (np.array([2/3, 1/3]), np.array([1/3, 2/3]))]
    >>> choice = payoff_dominant(A, B, eqs)
    >>> choice.index, choice.fallback
    (0, True)
    """
    A, B, _, u, s = _inputs(A, B, equilibria)
    rule = "payoff_dominant"
    N = len(u)
    if N == 1:
        return Selection(0, rule, "it is the only equilibrium", False)
    tol = TIE_TOLERANCE * s

    def dominates(k: int, other: int) -> bool:
        return bool(np.all(u[k] >= u[other] - tol) and np.any(u[k] > u[other] + tol))

    for k in range(N):
        if all(dominates(k, other) for other in range(N) if other != k):
            others = np.delete(u, k, axis=0).max(axis=0)
            return Selection(
                k,
                rule,
                f"payoff-dominates the {N - 1} other equilibri{'um' if N == 2 else 'a'}: "
                f"its payoffs {_pair(u[k])} are at least as high for both sides as in any "
                f"other equilibrium (at most {_pair(others)}) and higher for one",
                False,
            )
    undominated = [k for k in range(N) if not any(dominates(o, k) for o in range(N))]
    sums = u.sum(axis=1)
    best = max(sums[k] for k in undominated)
    tied = [k for k in undominated if sums[k] >= best - 2 * tol]
    k = tied[0]
    tie_note = (
        f" (tied with equilibria {_ties(tied[1:])}; lowest index taken)" if len(tied) > 1 else ""
    )
    return Selection(
        k,
        rule,
        f"no equilibrium payoff-dominates all others, so by the fallback it is the one "
        f"with the highest payoff sum ({_fmt(sums[k])}, payoffs {_pair(u[k])}) among the "
        f"{len(undominated)} Pareto-undominated equilibria{tie_note}",
        True,
    )


def _nash_products(
    A: np.ndarray, B: np.ndarray, e: tuple[int, int], f: tuple[int, int]
) -> tuple[float, float] | None:
    """Nash products of deviation losses of pure equilibria e and f in the 2x2 subgame
    they span, or None when they share a row or a column."""
    (i, j), (k, c) = e, f
    if i == k or j == c:
        return None
    product_e = (A[i, j] - A[k, j]) * (B[i, j] - B[i, c])
    product_f = (A[k, c] - A[i, c]) * (B[k, c] - B[k, j])
    return float(product_e), float(product_f)


def _pure_cell(x: np.ndarray, y: np.ndarray) -> tuple[int, int] | None:
    i, j = int(np.argmax(x)), int(np.argmax(y))
    if x[i] >= 1 - 1e-9 and y[j] >= 1 - 1e-9:
        return i, j
    return None


def risk_dominant(
    A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any], **qre_options: Any
) -> Selection:
    r"""The pure equilibrium that risk-dominates all other pure equilibria pairwise.

    Exact Harsanyi-Selten risk dominance for two strict pure equilibria of a 2x2
    game; for larger games and more equilibria, the pairwise 2x2-subgame
    generalisation described in the module docstring. Fallback when no pure
    equilibrium risk-dominates all others (ties, cycles, no pure equilibrium): the
    equilibrium nearest to the logit QRE limit (:func:`logit_qre_selection`,
    ``fallback=True``).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    equilibria : sequence of (x, y)
        Nash equilibria.
    **qre_options
        Passed to :func:`logit_qre_selection` if the fallback is used.

    References
    ----------
    Harsanyi and Selten (1988), sec. 3.9 and 5.6.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[4., 0.], [3., 3.]])          # stag hunt; B = A.T
    >>> e, f = np.eye(2)
    >>> choice = risk_dominant(A, A.T, [(e, e), (f, f)])
    >>> choice.index, choice.fallback
    (1, False)
    """
    A, B, profiles, _, s = _inputs(A, B, equilibria)
    rule = "risk_dominant"
    N = len(profiles)
    if N == 1:
        return Selection(0, rule, "it is the only equilibrium", False)
    cells = {k: c for k, (x, y) in enumerate(profiles) if (c := _pure_cell(x, y)) is not None}
    pure = sorted(cells)
    mixed = N - len(pure)
    mixed_note = (
        f"; the {mixed} mixed equilibri{'um is' if mixed == 1 else 'a are'} not compared"
        if mixed
        else ""
    )
    if len(pure) == 1:
        return Selection(
            pure[0],
            rule,
            f"it is the only pure equilibrium (risk dominance compares pure equilibria "
            f"only){mixed_note}",
            False,
        )
    tol = TIE_TOLERANCE * s * s
    why = "there is no pure equilibrium"
    if pure:
        for k in pure:
            products = []
            for other in pure:
                if other == k:
                    continue
                pair = _nash_products(A, B, cells[k], cells[other])
                if pair is None or pair[0] <= pair[1] + tol:
                    break
                products.append(pair)
            else:
                if len(pure) == 2:
                    ((pk, pl),) = products
                    text = (
                        "risk-dominates the other pure equilibrium: Nash product of "
                        f"deviation losses {_fmt(pk)} against {_fmt(pl)}"
                    )
                else:
                    listed = ", ".join(f"{_fmt(a)} vs {_fmt(b)}" for a, b in products)
                    text = (
                        f"risk-dominates each of the {len(pure) - 1} other pure equilibria "
                        f"in the 2x2 subgame they span (Nash products of deviation losses "
                        f"{listed})"
                    )
                return Selection(k, rule, text + mixed_note, False)
        pairs = [
            _nash_products(A, B, cells[k], cells[other])
            for k, other in itertools.combinations(pure, 2)
        ]
        if any(pair is None for pair in pairs):
            detail = "two pure equilibria share an action and cannot be compared"
        elif len(pure) == 2:
            detail = (
                f"the Nash products of deviation losses tie at {_fmt(pairs[0][0])} "
                f"and {_fmt(pairs[0][1])}"
            )
        else:
            detail = "the pairwise comparisons contain a cycle or a tie"
        why = f"no pure equilibrium risk-dominates all others ({detail})"
    qre_choice = logit_qre_selection(A, B, profiles, **qre_options)
    return Selection(
        qre_choice.index,
        rule,
        f"{why}, so by the fallback it is the equilibrium {qre_choice.reason}",
        True,
    )


def utilitarian(A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any]) -> Selection:
    r"""The equilibrium with the highest sum of expected payoffs :math:`u_1 + u_2`.

    Ties (within ``1e-9 * s``) go to the lowest index and are flagged
    ``fallback=True``.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[9., 0.], [8., 7.]])
    >>> e, f = np.eye(2)
    >>> utilitarian(A, A.T, [(f, f), (e, e)]).reason
    'highest sum of expected payoffs: 18 (payoffs (9, 9)); the next best sum is 14'
    """
    A, B, _, u, s = _inputs(A, B, equilibria)
    rule = "utilitarian"
    sums = u.sum(axis=1)
    best = sums.max()
    tied = [k for k in range(len(sums)) if sums[k] >= best - 2 * TIE_TOLERANCE * s]
    k = tied[0]
    if len(sums) == 1:
        return Selection(0, rule, "it is the only equilibrium", False)
    if len(tied) > 1:
        return Selection(
            k,
            rule,
            f"highest sum of expected payoffs ({_fmt(sums[k])}), tied with equilibri"
            f"{'um' if len(tied) == 2 else 'a'} {_ties(tied[1:])}; the tie goes to the "
            "lowest index",
            True,
        )
    runner_up = np.delete(sums, k).max()
    return Selection(
        k,
        rule,
        f"highest sum of expected payoffs: {_fmt(sums[k])} (payoffs {_pair(u[k])}); the "
        f"next best sum is {_fmt(runner_up)}",
        False,
    )


def logit_qre_selection(
    A: ArrayLike,
    B: ArrayLike,
    equilibria: Sequence[Any],
    *,
    branch: QREBranch | None = None,
    **trace_options: Any,
) -> Selection:
    r"""The equilibrium nearest to the limit of the logit QRE principal branch.

    The branch is traced by :func:`negotiation.solvers.qre.trace_principal_branch`
    (or ``branch`` is used if given); the equilibrium with the smallest L1 distance
    :math:`\|x - x^*\|_1 + \|y - y^*\|_1` to its limit is chosen, ties (within
    ``1e-9``) to the lowest index (``fallback=True``). The reason states the distance,
    and whether the branch failed to converge.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    equilibria : sequence of (x, y)
        Nash equilibria.
    branch : QREBranch, optional
        A branch already traced for this game.
    **trace_options
        Passed to :func:`~negotiation.solvers.qre.trace_principal_branch`
        (``lam_max``, ``tol``, ...).

    References
    ----------
    McKelvey and Palfrey (1995); Turocy (2005).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[9., 0.], [8., 7.]])
    >>> e, f = np.eye(2)
    >>> choice = logit_qre_selection(A, A.T, [(e, e), (f, f)])
    >>> choice.index, choice.reason
    (1, 'nearest to the limit of the logit QRE principal branch (L1 distance 0; the next nearest is at 4)')
    """
    A, B, profiles, _, _ = _inputs(A, B, equilibria)
    rule = "logit_qre"
    if branch is None:
        branch = trace_principal_branch(A, B, **trace_options)
    elif trace_options:
        raise ValueError("pass either a traced branch or options to trace one, not both")
    x_star, y_star = branch.limit
    if x_star.shape != (A.shape[0],) or y_star.shape != (A.shape[1],):
        raise ValueError("branch does not belong to a game of this shape")
    distances = np.array([np.abs(x - x_star).sum() + np.abs(y - y_star).sum() for x, y in profiles])
    nearest = distances.min()
    tied = [k for k in range(len(distances)) if distances[k] <= nearest + 1e-9]
    k = tied[0]
    text = f"nearest to the limit of the logit QRE principal branch (L1 distance {nearest:.3g}"
    if len(tied) > 1:
        text += f", tied with equilibri{'um' if len(tied) == 2 else 'a'} {_ties(tied[1:])}; the tie goes to the lowest index)"
    elif len(distances) > 1:
        text += f"; the next nearest is at {np.delete(distances, k).min():.3g})"
    else:
        text += ")"
    if any("bifurcation" in note for note in branch.notes):
        text += (
            "; the branch passes a bifurcation (the game is symmetric or otherwise "
            "non-generic) and was followed straight through it"
        )
    if not branch.converged:
        text += (
            f"; the branch did not converge (max regret {branch.limit_max_regret:.3g}), "
            "so the limit is approximate"
        )
    return Selection(k, rule, text, len(tied) > 1)


#: Every selection rule by name.
SELECTION_RULES: dict[str, Callable[..., Selection]] = {
    "payoff_dominant": payoff_dominant,
    "risk_dominant": risk_dominant,
    "utilitarian": utilitarian,
    "logit_qre": logit_qre_selection,
}


def select_equilibrium(
    A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any], rule: str, **options: Any
) -> Selection:
    """Select one of ``equilibria`` by the named rule (a key of :data:`SELECTION_RULES`).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    equilibria : sequence of (x, y)
        Nash equilibria, e.g. ``[(e.row, e.column) for e in result.equilibria]``.
    rule : str
        ``"payoff_dominant"``, ``"risk_dominant"``, ``"utilitarian"`` or ``"logit_qre"``.
    **options
        Passed to the rule (``logit_qre`` and ``risk_dominant`` accept the options of
        :func:`~negotiation.solvers.qre.trace_principal_branch`).

    Raises
    ------
    ValueError
        Unknown rule (the message lists the valid ones), empty or invalid equilibria.

    Examples
    --------
    >>> import numpy as np
    >>> select_equilibrium(np.eye(2), np.eye(2), [], "utilitarian")
    Traceback (most recent call last):
    ...
    ValueError: equilibria is empty: expected at least one (x, y) equilibrium
    >>> select_equilibrium(np.eye(2), np.eye(2), [(np.eye(2)[0], np.eye(2)[0])], "nash")
    Traceback (most recent call last):
    ...
    ValueError: unknown selection rule 'nash'; valid rules: payoff_dominant, risk_dominant, utilitarian, logit_qre
    """
    if rule not in SELECTION_RULES:
        raise ValueError(
            f"unknown selection rule {rule!r}; valid rules: {', '.join(SELECTION_RULES)}"
        )
    if equilibria is None or len(equilibria) == 0:
        raise ValueError("equilibria is empty: expected at least one (x, y) equilibrium")
    return SELECTION_RULES[rule](A, B, equilibria, **options)
