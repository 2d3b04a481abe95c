r"""Equilibrium selection: which of several Nash equilibria to predict, for stacks of games.

Given bimatrix games :math:`(A, B)` (row player first, payoffs indexed
``[row action, column action]``) and lists of their Nash equilibria :math:`(x^k, y^k)`,
each rule picks one equilibrium per game. Write :math:`u^k = (x^{k\top} A y^k,
x^{k\top} B y^k)` for the expected payoffs of equilibrium :math:`k`. The rules are
implemented once, over stacks (:func:`select_equilibria`); :func:`select_equilibrium` and
the per-rule functions are the one-game views, which also say why.

Rules
-----
``payoff_dominant``
    Harsanyi and Selten (1988, sec. 3.9): :math:`k` *payoff-dominates* :math:`l` if
    :math:`u^k \ge u^l` for both players with strict inequality for at least one.
    The selected equilibrium payoff-dominates every other one. *Fallback* when none
    does: among the Pareto-undominated equilibria, the highest payoff sum
    :math:`u^k_1 + u^k_2` on the sides' own scales (see Units); ties to the lowest index.
``risk_dominant``
    Harsanyi and Selten (1988, sec. 3.9 and 5.6). For two strict pure equilibria
    :math:`(1, 1)` and :math:`(2, 2)` of a 2x2 game, :math:`(1, 1)` risk-dominates
    :math:`(2, 2)` if the *Nash product of deviation losses* is larger:

    .. math:: (a_{11} - a_{21})(b_{11} - b_{12}) > (a_{22} - a_{12})(b_{22} - b_{21}).

    *Generalisation* (this package's, documented, not Harsanyi-Selten's tracing
    procedure): only pure equilibria are compared. Two pure equilibria
    :math:`(i, j)` and :math:`(k, l)` with :math:`i \ne k`, :math:`j \ne l` are compared
    by the formula above in the 2x2 subgame on rows :math:`\{i, k\}` and columns
    :math:`\{j, l\}`,

    .. math:: (a_{ij} - a_{kj})(b_{ij} - b_{il}) \quad\text{vs}\quad (a_{kl} - a_{il})(b_{kl} - b_{kj});

    pure equilibria sharing a row or a column are not comparable (treated as a tie).
    The selected equilibrium strictly risk-dominates every other pure equilibrium
    pairwise; a unique pure equilibrium is selected outright. Mixed equilibria are not
    candidates. *Fallback* when no pure equilibrium risk-dominates all others (ties,
    cycles, no pure equilibrium): the ``logit_qre`` rule.
``utilitarian``
    The highest payoff sum :math:`u^k_1 + u^k_2`, each side's payoff on its own scale (see
    Units: relative utilitarianism); ties to the lowest index (flagged as a fallback).
``logit_qre``
    The equilibrium nearest, in L1 distance :math:`\|x^k - x^*\|_1 + \|y^k - y^*\|_1`, to
    the limit :math:`(x^*, y^*)` of the principal branch of the logit quantal response
    equilibrium (McKelvey and Palfrey 1995; :mod:`negotiation.solvers.qre`); ties (within
    ``1e-9``) to the lowest index (flagged as a fallback).

Units
-----
Each player's payoffs are von Neumann-Morgenstern utilities, meaningful only up to a
positive affine map :math:`a u_i + b` of that player's alone. Every rule above therefore
reads each game with each player's payoffs on the player's own scale in that game
(:func:`negotiation.solvers.records.own_scale`: 0 at its worst cell, 1 at its best) before it
compares anything across players. Payoff dominance and the Nash equilibria are unchanged;
the Nash products of risk dominance only change by a common factor (Harsanyi and Selten 1988,
sec. 3.4 require the solution of a game to be invariant to such maps); the payoff sums of
``utilitarian`` (and of the payoff-dominance fallback) become sums of *relative* utilities
(relative utilitarianism, Dhillon and Mertens 1999); and the logit QRE is traced with one
precision :math:`\lambda` on the two normalised scales, i.e. with player :math:`i`'s
precision :math:`\lambda / r_i` on its raw payoffs, :math:`r_i` its payoff range. The scale is
the game's own (the stage, not the whole tree), so that a stage is solved as a game in its
own right: its selection depends on nothing outside it (Harsanyi and Selten's subgame
consistency). A player indifferent over the whole game has all payoffs 0.

Numerical ties are decided with the tolerance ``1e-9`` on these scales. A game with one
equilibrium selects it outright under every rule.

References
----------
Harsanyi, J. C. and Selten, R. (1988). *A General Theory of Equilibrium Selection in
Games*. MIT Press.
Dhillon, A. and Mertens, J.-F. (1999). Relative utilitarianism. *Econometrica* 67(3),
471--498.
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.qre import BranchLimits, QREBranch, _game, principal_branch_limits
from negotiation.solvers.records import max_regret, own_scale, payoff_scales

__all__ = [
    "SELECTION_RULES",
    "Selection",
    "Selections",
    "logit_qre_selection",
    "payoff_dominant",
    "risk_dominant",
    "select_equilibria",
    "select_equilibrium",
    "utilitarian",
]

#: Max regret (relative to the payoff scale) above which a profile is refused.
NASH_TOLERANCE = 1e-6
#: Relative tolerance for payoff comparisons.
TIE_TOLERANCE = 1e-9
#: A probability at least 1 minus this is a pure strategy.
PURE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Selection:
    """The equilibrium a selection rule picks in one game, and why.

    Attributes
    ----------
    index : int
        Index into the equilibria passed in.
    rule : str
    reason : str
        One sentence a policy reader understands.
    fallback : bool
        True when the rule's primary criterion did not decide and a stated fallback (or
        tie-break) did.
    """

    index: int
    rule: str
    reason: str
    fallback: bool


@dataclass(frozen=True, eq=False)
class Selections:
    """What a rule selects in each game of a stack, with the quantities it compared.

    Attributes
    ----------
    rule : str
    index : numpy.ndarray of int, shape (G,)
    fallback : numpy.ndarray of bool, shape (G,)
    payoffs : numpy.ndarray, shape (G, E, 2)
        Expected payoffs of each equilibrium.
    valid : numpy.ndarray of bool, shape (G, E)
    detail : dict of str -> numpy.ndarray
        Rule-specific arrays (dominance, Nash products, QRE distances) for the reasons.
    limits : BranchLimits or None
        The logit-QRE limits traced (games with several equilibria only), if any.
    traced : numpy.ndarray of int
        The games ``limits`` belong to.
    """

    rule: str
    index: np.ndarray
    fallback: np.ndarray
    payoffs: np.ndarray
    valid: np.ndarray
    detail: dict
    limits: BranchLimits | None = None
    traced: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    def reason(self, g: int) -> str:
        """Why game ``g``'s equilibrium was selected, in one sentence."""
        from negotiation.solvers.selection_reasons import REASONS

        return REASONS[self.rule](self, g)


# --------------------------------------------------------------------------- the rules, batched


def _first(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along the last axis (0 if none)."""
    return np.argmax(mask, axis=-1)


def _equilibrium_payoffs(A: np.ndarray, B: np.ndarray, row: np.ndarray, column: np.ndarray) -> np.ndarray:
    x, y = row[..., :, None], column[..., None, :]
    return np.stack([(x * A[:, None] * y).sum(axis=(-1, -2)), (x * B[:, None] * y).sum(axis=(-1, -2))], axis=-1)


def _payoff_dominant(A, B, row, column, valid, u, s) -> tuple[np.ndarray, np.ndarray, dict]:
    tol = (TIE_TOLERANCE * s)[:, None, None]
    E = valid.shape[1]
    d = u[:, :, None, :] - u[:, None, :, :]  # d[g, k, o] = u_k - u_o
    pair = valid[:, :, None] & valid[:, None, :] & ~np.eye(E, dtype=bool)
    dom = (d >= -tol[..., None]).all(-1) & (d > tol[..., None]).any(-1) & pair
    dominates_all = valid & (dom | ~pair).all(axis=2)
    undominated = valid & ~dom.any(axis=1)
    sums = u.sum(-1)
    best = np.where(undominated, sums, -np.inf).max(axis=1, keepdims=True)
    tied = undominated & (sums >= best - 2 * tol[:, :, 0])
    has_dominant = dominates_all.any(axis=1)
    index = np.where(has_dominant, _first(dominates_all), _first(tied))
    return index, ~has_dominant, {"undominated": undominated, "tied": tied, "sums": sums}


def _utilitarian(A, B, row, column, valid, u, s) -> tuple[np.ndarray, np.ndarray, dict]:
    tol = TIE_TOLERANCE * s[:, None]
    sums = np.where(valid, u.sum(-1), -np.inf)
    tied = valid & (sums >= sums.max(axis=1, keepdims=True) - 2 * tol)
    return _first(tied), tied.sum(axis=1) > 1, {"tied": tied, "sums": sums}


def _risk_dominant(A, B, row, column, valid, u, s) -> tuple[np.ndarray, np.ndarray, dict]:
    G, E, _ = row.shape
    tol = (TIE_TOLERANCE * s * s)[:, None, None]
    xi = np.argmax(row, axis=-1)
    yj = np.argmax(column, axis=-1)
    pure = (
        valid
        & (np.take_along_axis(row, xi[..., None], -1)[..., 0] >= 1 - PURE_TOLERANCE)
        & (np.take_along_axis(column, yj[..., None], -1)[..., 0] >= 1 - PURE_TOLERANCE)
    )
    n_pure = pure.sum(axis=1)
    g = np.arange(G)[:, None, None]
    i, j = xi[:, :, None], yj[:, :, None]  # equilibrium e
    k, c = xi[:, None, :], yj[:, None, :]  # equilibrium f
    product_e = (A[g, i, j] - A[g, k, j]) * (B[g, i, j] - B[g, i, c])
    product_f = (A[g, k, c] - A[g, i, c]) * (B[g, k, c] - B[g, k, j])
    comparable = (i != k) & (j != c)
    pair = pure[:, :, None] & pure[:, None, :] & ~np.eye(E, dtype=bool)
    beats = comparable & (product_e > product_f + tol)
    winner = pure & (beats | ~pair).all(axis=2)
    decided = (n_pure == 1) | ((n_pure >= 2) & winner.any(axis=1))
    index = np.where(n_pure == 1, _first(pure), _first(winner))
    detail = {"pure": pure, "winner": winner, "decided": decided, "product_e": product_e,
              "product_f": product_f, "comparable": comparable}
    return index, ~decided, detail


def _logit_qre(A, B, row, column, valid, limits_row, limits_column) -> tuple[np.ndarray, np.ndarray, dict]:
    distances = np.abs(row - limits_row[:, None]).sum(-1) + np.abs(column - limits_column[:, None]).sum(-1)
    distances = np.where(valid, distances, np.inf)
    tied = valid & (distances <= distances.min(axis=1, keepdims=True) + 1e-9)
    return _first(tied), tied.sum(axis=1) > 1, {"distances": distances, "tied": tied}


def select_equilibria(
    rule: str,
    A: ArrayLike,
    B: ArrayLike,
    row: np.ndarray,
    column: np.ndarray,
    valid: np.ndarray,
    *,
    limits: BranchLimits | None = None,
    **trace_options: Any,
) -> Selections:
    """Select one equilibrium in each game of a stack by the named rule (module docstring).

    Parameters
    ----------
    rule : str
        A name in :data:`SELECTION_RULES`.
    A, B : array_like, shape (G, m, n)
    row, column : numpy.ndarray, shapes (G, E, m) and (G, E, n)
        Each game's equilibria (padded); ``valid`` (G, E) marks the real ones, at least
        one per game.
    limits : BranchLimits, optional
        Logit-QRE limits already traced for these games (``logit_qre`` and the
        ``risk_dominant`` fallback); traced here when needed otherwise.
    **trace_options
        Passed to :func:`negotiation.solvers.qre.principal_branch_limits`.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[[9., 0.], [8., 7.]]]); B = np.swapaxes(A, 1, 2)
    >>> row = column = np.array([[[1., 0.], [0., 1.]]])
    >>> chosen = select_equilibria("logit_qre", A, B, row, column, np.ones((1, 2), bool))
    >>> chosen.index.tolist(), chosen.reason(0)
    ([1], 'nearest to the limit of the logit QRE principal branch (L1 distance 0; the next nearest is at 4)')
    """
    if rule not in SELECTION_RULES:
        raise ValueError(f"unknown selection rule {rule!r}; valid rules: {', '.join(SELECTION_RULES)}")
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    row = np.asarray(row, dtype=float)
    column = np.asarray(column, dtype=float)
    valid = np.asarray(valid, dtype=bool)
    G = A.shape[0]
    payoffs = _equilibrium_payoffs(A, B, row, column)
    # Risk dominance is invariant as it stands (Nash products change by a common factor) and
    # is reported in the game's own numbers; every other rule compares the players on their own
    # scales (worst cell 0, best 1), so that no choice depends on either side's units.
    raw = (A, B, payoff_scales(A, B) if G else np.zeros(0))
    A, B = own_scale(A, B)
    s = np.ones(G)
    u = _equilibrium_payoffs(A, B, row, column)
    several = valid.sum(axis=1) > 1
    index = np.zeros(G, dtype=int)
    fallback = np.zeros(G, dtype=bool)
    detail: dict = {}
    traced = np.zeros(0, dtype=int)
    if rule == "logit_qre" or rule == "risk_dominant":
        if rule == "risk_dominant":
            index, fallback, detail = _risk_dominant(raw[0], raw[1], row, column, valid, payoffs, raw[2])
            need = np.flatnonzero(several & fallback)
        else:
            need = np.flatnonzero(several)
        if limits is None and len(need):
            limits = principal_branch_limits(A[need], B[need], **trace_options)
            traced = need
        elif limits is not None:
            traced = np.arange(G)
            if rule == "logit_qre":
                need = traced
        if len(need):
            lr = np.full((G, A.shape[1]), np.nan)
            lc = np.full((G, A.shape[2]), np.nan)
            lr[traced], lc[traced] = limits.row, limits.column
            q_index, q_fallback, q_detail = _logit_qre(A, B, row, column, valid, lr, lc)
            index[need] = q_index[need]
            if rule == "logit_qre":
                fallback[need] = q_fallback[need]
                detail = q_detail
            else:
                detail["qre"] = q_detail
    else:
        chooser = _payoff_dominant if rule == "payoff_dominant" else _utilitarian
        index, fallback, detail = chooser(A, B, row, column, valid, u, s)
    index = np.where(several, index, 0)
    fallback = np.where(several, fallback, False)
    if rule == "logit_qre" and "distances" not in detail:
        detail = {"distances": np.zeros(valid.shape), "tied": valid.copy()}
    detail["shares"] = u
    return Selections(rule, index, fallback, payoffs, valid, detail, limits, traced)


# --------------------------------------------------------------------------- one game


Profile = tuple[np.ndarray, np.ndarray]


def _profiles(A: np.ndarray, B: np.ndarray, equilibria: Sequence[Any]) -> list[Profile]:
    """Validate the equilibria: (x, y) pairs or records with ``row`` and ``column``."""
    if equilibria is None or len(equilibria) == 0:
        raise ValueError("equilibria is empty: expected at least one (x, y) equilibrium")
    m, n = A.shape
    s = float(payoff_scales(A[None], B[None])[0])
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
                raise ValueError(f"equilibria[{k}]: expected a pair (x, y) of mixed strategies") from None
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.shape != (m,) or y.shape != (n,):
            raise ValueError(
                f"equilibria[{k}]: expected strategies of shapes ({m},) and ({n},) for a {m}x{n} game; "
                f"got {x.shape} and {y.shape}"
            )
        for name, p in (("row", x), ("column", y)):
            if not np.all(np.isfinite(p)) or np.any(p < -1e-9) or abs(p.sum() - 1) > 1e-6:
                raise ValueError(f"equilibria[{k}]: the {name} strategy is not a probability vector: {p}")
        regret = max_regret(A, B, x, y)
        if regret > NASH_TOLERANCE * s:
            raise ValueError(
                f"equilibria[{k}] is not a Nash equilibrium of (A, B): max regret {regret:.3g} > "
                f"{NASH_TOLERANCE:g} * payoff range {s:.4g}"
            )
        profiles.append((x, y))
    return profiles


def _one(rule: str, A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any], branch: QREBranch | None = None,
         **trace_options: Any) -> Selection:
    A, B = _game(A, B)
    profiles = _profiles(A, B, equilibria)
    limits = None
    if branch is not None:
        if trace_options:
            raise ValueError("pass either a traced branch or options to trace one, not both")
        x_star, y_star = branch.limit
        if x_star.shape != (A.shape[0],) or y_star.shape != (A.shape[1],):
            raise ValueError("branch does not belong to a game of this shape")
        bifurcation = any("bifurcation" in note for note in branch.notes)
        limits = BranchLimits(
            row=x_star[None], column=y_star[None], max_regret=np.array([branch.limit_max_regret]),
            converged=np.array([branch.converged]), polished=np.array([True]), distance=np.zeros(1),
            bifurcation=np.array([bifurcation]), stop=np.zeros(1, dtype=int),
            payoff_scale=np.array([branch.payoff_scale]),
        )
    row = np.array([[x for x, _ in profiles]])
    column = np.array([[y for _, y in profiles]])
    chosen = select_equilibria(rule, A[None], B[None], row, column, np.ones((1, len(profiles)), dtype=bool),
                               limits=limits, **trace_options)
    return Selection(int(chosen.index[0]), rule, chosen.reason(0), bool(chosen.fallback[0]))


def payoff_dominant(A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any]) -> Selection:
    r"""The equilibrium that payoff-dominates all others (Harsanyi and Selten 1988, sec. 3.9).

    Fallback when none does: the Pareto-undominated equilibrium with the highest payoff sum,
    ties to the lowest index (``fallback=True``).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
    equilibria : sequence of (x, y)
        Nash equilibria (pairs of mixed strategies, or records with ``row`` and ``column``
        such as :class:`~negotiation.solvers.records.MixedEquilibrium`).

    Raises
    ------
    ValueError
        Empty list, bad shapes, or a profile that is not a Nash equilibrium.

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
    return _one("payoff_dominant", A, B, equilibria)


def risk_dominant(A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any], **qre_options: Any) -> Selection:
    r"""The pure equilibrium that risk-dominates all other pure equilibria pairwise.

    Exact Harsanyi-Selten risk dominance for two strict pure equilibria of a 2x2 game; the
    pairwise generalisation of the module docstring otherwise. Fallback: the equilibrium
    nearest to the logit QRE limit (``fallback=True``); ``qre_options`` go to the tracer.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[4., 0.], [3., 3.]])          # stag hunt; B = A.T
    >>> e, f = np.eye(2)
    >>> choice = risk_dominant(A, A.T, [(e, e), (f, f)])
    >>> choice.index, choice.fallback
    (1, False)
    """
    return _one("risk_dominant", A, B, equilibria, **qre_options)


def utilitarian(A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any]) -> Selection:
    r"""The equilibrium with the highest sum of expected payoffs :math:`u_1 + u_2`, each side's
    payoffs on its own scale in the game (0 at its worst cell, 1 at its best: relative
    utilitarianism, Dhillon and Mertens 1999), so that the choice does not depend on units.

    Ties (within ``1e-9``) go to the lowest index and are flagged ``fallback=True``.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[9., 0.], [8., 7.]])
    >>> e, f = np.eye(2)
    >>> utilitarian(A, A.T, [(f, f), (e, e)]).reason.split(";")[0]
    "highest sum of expected payoffs 2 (1 + 1, each side's payoff on its own scale in this game: 0 at its worst outcome, 1 at its best)"
    """
    return _one("utilitarian", A, B, equilibria)


def logit_qre_selection(
    A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any], *, branch: QREBranch | None = None, **trace_options: Any
) -> Selection:
    r"""The equilibrium nearest to the limit of the logit QRE principal branch.

    The branch is traced by :func:`negotiation.solvers.qre.principal_branch_limits` (or
    ``branch`` is used if given); ties (within ``1e-9``) go to the lowest index
    (``fallback=True``). The reason states the distance, and whether the branch failed to
    converge.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[9., 0.], [8., 7.]])
    >>> e, f = np.eye(2)
    >>> choice = logit_qre_selection(A, A.T, [(e, e), (f, f)])
    >>> choice.index, choice.reason
    (1, 'nearest to the limit of the logit QRE principal branch (L1 distance 0; the next nearest is at 4)')
    """
    return _one("logit_qre", A, B, equilibria, branch=branch, **trace_options)


def select_equilibrium(A: ArrayLike, B: ArrayLike, equilibria: Sequence[Any], rule: str, **options: Any) -> Selection:
    """Select one of ``equilibria`` of one game by the named rule (see :data:`SELECTION_RULES`).

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
        raise ValueError(f"unknown selection rule {rule!r}; valid rules: {', '.join(SELECTION_RULES)}")
    if equilibria is None or len(equilibria) == 0:
        raise ValueError("equilibria is empty: expected at least one (x, y) equilibrium")
    return _one(rule, A, B, equilibria, **options)


#: Every selection rule by name: the one-game function (:func:`select_equilibria` takes
#: the name for stacks).
SELECTION_RULES: dict[str, Callable[..., Selection]] = {
    "payoff_dominant": payoff_dominant,
    "risk_dominant": risk_dominant,
    "utilitarian": utilitarian,
    "logit_qre": logit_qre_selection,
}
