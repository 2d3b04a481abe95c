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
regret the largest stage regret (reported).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.model.rounds import RoundsGame
from negotiation.solvers.induction_stages import solve_and_select

__all__ = ["RoundPlay", "RoundsSolution", "solve_rounds"]


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
    u = game.state_utilities()  # (S, 2)
    delta = float(game.discount)
    K = len(game.rounds)
    plays: list[RoundPlay] = []
    # W_K: the final state kept forever, counted from the period after the last one
    future = u / (1.0 - delta) if game.continuation == "perpetuity" else np.zeros_like(u)
    for k in range(K - 1, -1, -1):
        rnd = game.rounds[k]
        nxt = game.transitions(k)  # (S, m, n)
        # a round that does not pay is a move inside a period: no discount before the next
        M = (u[nxt] if rnd.pays else 0.0) + (delta if rnd.pays else 1.0) * future[nxt]  # (S, m, n, 2)
        solutions, index, _ = solve_and_select(M[..., 0], M[..., 1], rule=rule, tol=tol)
        S = len(nxt)
        x = solutions.row[np.arange(S), index].astype(float)
        y = solutions.column[np.arange(S), index].astype(float)
        value = np.einsum("sa,sabi,sb->si", x, M, y)
        plays.append(RoundPlay(row=x, column=y, value=value, payoffs=M, count=np.asarray(solutions.count),
                               status=tuple(solutions.status),
                               max_regret=np.asarray(solutions.max_regret)[np.arange(S), index]))
        future = value
    return RoundsSolution(game, tuple(reversed(plays)), rule, tol)
