r"""Markov-perfect equilibria of rounds of talks over a state, by backward induction.

For the game of :class:`negotiation.model.rounds.RoundsGame`, with :math:`W_K(s) = u(s) / (1 -
\delta)` (``continuation = "perpetuity"``) or :math:`0` (``"none"``), going back from the last
round: every state :math:`s` defines a bimatrix stage game

.. math:: M_k(s)_{ab} = \pi_k\, u(s') + \delta^{\pi_k}\, W_{k+1}(s'), \qquad s' = T_k(s, a, b),

(:math:`\pi_k = 1` if the round pays, else 0: a move inside a period is not discounted; the
perpetuity counts from the period after the last round, so :math:`M_{K-1} = u(s')/(1-\delta)`
when it pays), all :math:`S` stage
games of a round are solved at once (every Nash equilibrium,
:func:`negotiation.solvers.stage.solve_stages`) and the scenario's selection rule picks one
(:func:`negotiation.solvers.induction_stages.solve_and_select`, unit-free); its value is
:math:`W_k(s)`. A side that does not move has one action, so a one-mover round is a stage game
with one row or one column. The resulting strategies depend on the round and the state only:
a Markov-perfect equilibrium, subgame perfect by the one-shot deviation principle, with max
regret the largest stage regret (reported). A short-lived side's stage payoff is its period's
utility only: :math:`M_k(s)_{ab} = u(s')` in a round that pays, :math:`W_{k+1}(s')` (its value
within the period) in one that does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.model.rounds import RoundsGame
from negotiation.solvers.induction_stages import solve_and_select

__all__ = ["PRECISION_RANGE", "RoundPlay", "RoundsFit", "RoundsSolution", "fit_logit_rounds", "logit_rounds",
           "observed_log_likelihood", "profile_interval", "solve_rounds"]


@dataclass(frozen=True, eq=False)
class RoundPlay:
    """The selected equilibrium of round ``k`` in every state.

    Attributes
    ----------
    row, column : numpy.ndarray, shapes (S, m) and (S, n)
        Each side's mixed action in each state.
    value : numpy.ndarray, shape (S, 2)
        :math:`W_k(s)`: each side's value entering the round in each state.
    payoffs : numpy.ndarray, shape (S, m, n, 2)
        The stage games :math:`M_k(s)`.
    count : numpy.ndarray of int, shape (S,)
        Nash equilibria of each stage game.
    status : tuple of str
        The stage solver's status per state (``"ok"``, ``"degenerate"``, ``"incomplete"``).
    max_regret : numpy.ndarray, shape (S,)
        Of the selected equilibrium, in the stage game's units.
    """

    row: np.ndarray
    column: np.ndarray
    value: np.ndarray
    payoffs: np.ndarray
    count: np.ndarray
    status: tuple[str, ...]
    max_regret: np.ndarray


@dataclass(frozen=True, eq=False)
class RoundsSolution:
    """A Markov-perfect equilibrium of a rounds game: play in every round and state."""

    game: RoundsGame
    rounds: tuple[RoundPlay, ...]
    rule: str
    tolerance: float

    @property
    def max_regret(self) -> float:
        return float(max(r.max_regret.max(initial=0.0) for r in self.rounds))

    @property
    def status(self) -> str:
        statuses = {s for r in self.rounds for s in r.status}
        return "incomplete" if "incomplete" in statuses else "degenerate" if "degenerate" in statuses else "ok"


def solve_rounds(game: RoundsGame, *, rule: str | None = None, tol: float | None = None) -> RoundsSolution:
    """A Markov-perfect equilibrium of ``game`` (module docstring) under a selection rule
    (default: the game's ``solver.selection_rule``).

    Examples
    --------
    Selten's chain store with two markets (entrant: out 1, enter and be accommodated 2, be
    fought 0; incumbent: 5, 2, 0): in every market the entrant enters and the incumbent
    accommodates (tests/test_rounds.py builds it).
    """
    rule = rule or game.solver.selection_rule
    tol = game.solver.tolerance if tol is None else tol

    def equilibrium(M: np.ndarray) -> tuple:
        solutions, index, _ = solve_and_select(M[..., 0], M[..., 1], rule=rule, tol=tol)
        S = len(M)
        x = solutions.row[np.arange(S), index].astype(float)
        y = solutions.column[np.arange(S), index].astype(float)
        return x, y, np.asarray(solutions.count), tuple(solutions.status), \
            np.asarray(solutions.max_regret)[np.arange(S), index]

    return RoundsSolution(game, _backward(game, equilibrium), rule, tol)


def logit_rounds(game: RoundsGame, precision: tuple[float, float]) -> RoundsSolution:
    r"""The logit quantal response play of ``game``: in every round and state, the logit QRE
    of the stage game at each side's own precision :math:`(\lambda_1, \lambda_2)` (on the
    principal branch of the game :math:`(\lambda_1 A, \lambda_2 B)` at :math:`\lambda = 1`,
    :func:`negotiation.solvers.qre.logit_qre_profiles`), its continuation values those of the
    same play in later rounds: an agent QRE of the dynamic game (McKelvey and Palfrey 1998),
    computed by the same backward induction. A precision per side makes the play independent
    of each side's units (a side's payoffs times :math:`c` and its precision over :math:`c`
    give the same play). ``max_regret`` is each stage profile's regret (a QRE is not an
    equilibrium; it tends to one as both precisions grow); ``count`` is 0.
    """
    from negotiation.solvers.qre import logit_qre_profiles

    lam = tuple(float(v) for v in precision)
    if not all(np.isfinite(v) and v >= 0 for v in lam):
        raise ValueError(f"precisions {precision!r}: expected two finite numbers >= 0")

    def quantal(M: np.ndarray) -> tuple:
        x, y, ok = logit_qre_profiles(lam[0] * M[..., 0], lam[1] * M[..., 1], 1.0)
        if not ok.all():
            raise ValueError(f"the logit QRE could not be traced to precisions {lam} in {int((~ok).sum())} stages")
        ua = np.einsum("sab,sb->sa", M[..., 0], y)
        ub = np.einsum("sa,sab->sb", x, M[..., 1])
        regret = np.maximum(ua.max(axis=1) - (x * ua).sum(axis=1), ub.max(axis=1) - (y * ub).sum(axis=1))
        return x, y, np.zeros(len(M), dtype=int), ("qre",) * len(M), regret

    return RoundsSolution(game, _backward(game, quantal), "logit_play", float("nan"))


def _backward(game: RoundsGame, stage_play) -> tuple[RoundPlay, ...]:
    """The backward induction over rounds (module docstring), each round's stage games played
    by ``stage_play(M) -> (row, column, count, status, max regret)``."""
    u = game.state_utilities()  # (S, 2)
    delta = float(game.discount)
    short = np.array(game.short_lived, dtype=bool)
    plays: list[RoundPlay] = []
    # W_K: the final state kept forever, counted from the period after the last one
    future = u / (1.0 - delta) if game.continuation == "perpetuity" else np.zeros_like(u)
    for k in range(len(game.rounds) - 1, -1, -1):
        rnd = game.rounds[k]
        nxt = game.transitions(k)  # (S, m, n)
        # a round that does not pay is a move inside a period: no discount before the next
        M = (u[nxt] if rnd.pays else 0.0) + (delta if rnd.pays else 1.0) * future[nxt]  # (S, m, n, 2)
        # a short-lived side is paid its period only: a paying round ends its interest
        M[..., short] = u[nxt][..., short] if rnd.pays else future[nxt][..., short]
        x, y, count, status, regret = stage_play(M)
        value = np.einsum("sa,sabi,sb->si", x, M, y)
        plays.append(RoundPlay(row=x, column=y, value=value, payoffs=M, count=count, status=status, max_regret=regret))
        future = value
    return tuple(reversed(plays))


@dataclass(frozen=True, eq=False)
class RoundsFit:
    """A precision per side fitted to the observed choices of a rounds game.

    Attributes
    ----------
    precision : tuple of float
        :math:`(\\hat\\lambda_1, \\hat\\lambda_2)`, maximising the likelihood of the observed
        choices under :func:`logit_rounds` play (in the states the observed rounds left).
    log_likelihood : float
    probabilities : tuple of (round name, side name, action, probability)
        Each observed choice of the rounds fitted on, with its fitted probability.
    at_bound : tuple of bool
        Whether a precision ended on a bound of the search: at the upper one the choices are
        fitted best by equilibrium play (the likelihood still rises), at the lower one by
        uniform play; the value is then a bound, not an estimate.
    rounds : tuple of int
        The rounds fitted on.
    """

    precision: tuple[float, float]
    log_likelihood: float
    probabilities: tuple[tuple[str, str, str, float], ...]
    at_bound: tuple[bool, bool]
    rounds: tuple[int, ...]


#: Search range of each side's precision (log10), in 1 / payoff units of the stage games.
PRECISION_RANGE = (-3.0, 3.0)


def observed_log_likelihood(game: RoundsGame, precision: tuple[float, float],
                            rounds: tuple[int, ...] | None = None) -> tuple[float, list]:
    """Log-likelihood of the observed choices of ``rounds`` (default: all) under logit play at
    ``precision``, each in the state the observed earlier rounds left; with the probability of
    each observed choice."""
    play = logit_rounds(game, precision)
    names = game.side_names
    path = game.observed_path()
    chosen = range(len(game.rounds)) if rounds is None else rounds
    total, probabilities = 0.0, []
    for k in chosen:
        s, pair, seen = path[k]
        mixes = (play.rounds[k].row[s], play.rounds[k].column[s])
        for i in (0, 1):
            if seen[i]:
                p = float(mixes[i][pair[i]])
                probabilities.append((game.rounds[k].name, names[i], game.rounds[k].actions[i][pair[i]], p))
                total += float(np.log(max(p, 1e-300)))
    return total, probabilities


def fit_logit_rounds(game: RoundsGame, rounds: tuple[int, ...] | None = None) -> RoundsFit:
    r"""Maximum-likelihood precisions :math:`(\lambda_1, \lambda_2)` of logit play
    (:func:`logit_rounds`) for the observed choices of ``rounds`` (default: all), searched on
    :math:`\log_{10}\lambda_i \in` :data:`PRECISION_RANGE` by a coarse grid and then
    ``scipy.optimize.minimize`` (L-BFGS-B) from its best point.

    A side with no observed choice among the rounds keeps the lower bound (its precision is not
    identified); ``at_bound`` says where the maximum lies on a bound.
    """
    from scipy.optimize import minimize

    chosen = tuple(range(len(game.rounds))) if rounds is None else tuple(rounds)
    low, high = PRECISION_RANGE

    def negative(theta: np.ndarray) -> float:
        return -observed_log_likelihood(game, (10.0 ** theta[0], 10.0 ** theta[1]), chosen)[0]

    grid = np.linspace(low, high, 7)
    start = min(((a, b) for a in grid for b in grid), key=lambda t: negative(np.array(t)))
    result = minimize(negative, np.array(start), method="L-BFGS-B", bounds=[(low, high)] * 2,
                      options={"maxiter": 60})
    theta = result.x if result.fun <= negative(np.array(start)) else np.array(start)
    # a likelihood that is flat up to a bound (choices all best replies: it still rises, by
    # less than round-off) puts the precision on that bound: not an estimate
    best = -negative(theta)
    at_bound = [False, False]
    for i in (0, 1):
        for edge in (high, low):
            moved = theta.copy()
            moved[i] = edge
            if -negative(moved) >= best - 1e-9 * max(1.0, abs(best)):
                theta, at_bound[i] = moved, True
                break
    precision = (float(10.0 ** theta[0]), float(10.0 ** theta[1]))
    total, probabilities = observed_log_likelihood(game, precision, chosen)
    return RoundsFit(precision, total, tuple(probabilities), (at_bound[0], at_bound[1]), chosen)


def profile_interval(game: RoundsGame, fit: RoundsFit, side: int, level: float = 0.95,
                     step: float = 0.25) -> tuple[float, float]:
    r"""Profile-likelihood interval of side ``side``'s precision: the :math:`\lambda_i` on a grid
    of ``step`` in :math:`\log_{10}` over :data:`PRECISION_RANGE` whose profile log-likelihood
    (the other precision re-fitted, bounded Brent) is within :math:`\chi^2_1(\text{level})/2` of
    the maximum; its ends are grid points (to a factor of :math:`10^{\text{step}}`), a bound of
    the range where the set reaches it."""
    from scipy.optimize import minimize_scalar
    from scipy.stats import chi2

    low, high = PRECISION_RANGE
    cut = fit.log_likelihood - chi2.ppf(level, 1) / 2
    inside = []
    for t in np.arange(low, high + 1e-9, step):
        def negative(o: float, t: float = t) -> float:
            pair = (10.0**t, 10.0**o) if side == 0 else (10.0**o, 10.0**t)
            return -observed_log_likelihood(game, pair, fit.rounds)[0]

        best = minimize_scalar(negative, bounds=(low, high), method="bounded", options={"xatol": 0.05})
        if -best.fun >= cut:
            inside.append(t)
    if not inside:  # the grid missed the narrow top: the estimate alone
        return (fit.precision[side], fit.precision[side])
    return (float(10.0 ** min(inside)), float(10.0 ** max(inside)))
