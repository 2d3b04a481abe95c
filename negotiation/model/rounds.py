r"""A year of talks as one dynamic game: decision points that change a state.

The *state* is the level in force of every issue (tariffs each way, export controls,
rare-earth licensing, ...): a package :math:`s`. The game is a sequence of rounds
:math:`k = 0, \dots, K-1` (decision points, in date order). In round :math:`k` the sides that
move (one, or both at once) choose actions :math:`(a, b)`; the round's outcome table says which
levels that pair sets, :math:`s' = T_k(s, a, b)` (levels it does not name stay in force, and a level may be set only when
others are in force, e.g. a response that matters only after entry; a side that does not move
has the single action ``"-"``). Each side's payoff for the period after a
round is its utility of the state then in force, :math:`u_i(s')`, with the weighted additive
utilities of :class:`negotiation.model.agents.Side`; periods are discounted by :math:`\delta`
per round, and after the last round the final state is either kept forever (``continuation =
"perpetuity"``: worth :math:`u_i(s_K) / (1 - \delta)`) or not counted beyond its period
(``"none"``). A round may be marked ``pays = False`` (a move inside a period: only the state
after the period's last move pays).

A side may be *short-lived* (``short_lived``): each of its decisions is taken by a new player
who lives one period and is paid only that period's utility, as the entrants of the chain
store are (Selten 1978; Kreps and Wilson 1982); a decision in a round that does not pay
belongs to the period that the next paying round closes.

Private types (:class:`TypedRounds`): one side knows its type, drawn by a prior; the game of
each type is a :class:`RoundsGame` with that type's values, and the other side sees every
action, not the type. That game is solved in its tree
(:func:`negotiation.model.rounds_tree.rounds_tree`), where beliefs follow Bayes' rule.

Solved by backward induction over rounds and states
(:func:`negotiation.solvers.rounds.solve_rounds`): with deterministic transitions and a
finite horizon, an equilibrium whose play in round :math:`k` depends only on the state is
Markov perfect (Maskin and Tirole 2001), and by the one-shot deviation principle it is
subgame perfect.

References
----------
Kreps, D. M. and Wilson, R. (1982). Reputation and imperfect information. *Journal of Economic
Theory* 27, 253--279.
Maskin, E. and Tirole, J. (2001). Markov perfect equilibrium I: observable actions. *Journal of
Economic Theory* 100, 191--219.
Selten, R. (1978). The chain store paradox. *Theory and Decision* 9, 127--159.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from negotiation.model.agents import Side
from negotiation.model.issues import OutcomeSpace, Package
from negotiation.model.scenario import SolverSettings

__all__ = ["CONTINUATIONS", "NO_MOVE", "Round", "RoundsGame", "TypedRounds"]

#: The single action of a side that does not move in a round.
NO_MOVE = "-"
#: What the final state is worth after the last round.
CONTINUATIONS = ("perpetuity", "none")


@dataclass(frozen=True)
class Round:
    """One decision point.

    Attributes
    ----------
    name, date : str
    actions : tuple of two tuples of str
        Each side's actions; ``(NO_MOVE,)`` for a side that does not move.
    sets : mapping of (int, int) -> tuple of (issue, level, condition)
        The levels each pair of actions (indices) puts in force; pairs not listed change nothing.
        ``condition`` is a tuple of (issue, level) that must all be in force before the round
        for the level to be set (empty: always), e.g. a response that only matters after entry.
    pays : bool
        Whether the period after this round pays (False: a move inside a period). A round that
        is skipped (``when``) still closes its period.
    observed : tuple of (str or None, str or None)
        What each side did (None: not observed, or it did not move).
    description : str
    """

    name: str
    date: str
    actions: tuple[tuple[str, ...], tuple[str, ...]]
    sets: Mapping[tuple[int, int], tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]] = field(
        default_factory=dict)
    pays: bool = True
    observed: tuple[str | None, str | None] = (None, None)
    description: str = ""
    #: (issue, level) pairs that must all be in force for the round to take place (empty:
    #: always); elsewhere it is skipped, the state unchanged (a response only after an entry).
    when: tuple[tuple[str, str], ...] = ()

    @property
    def movers(self) -> tuple[bool, bool]:
        return (self.actions[0] != (NO_MOVE,), self.actions[1] != (NO_MOVE,))


@dataclass(frozen=True)
class RoundsGame:
    """Rounds of talks over a state of issue levels (see the module docstring)."""

    name: str
    title: str
    space: OutcomeSpace
    sides: tuple[Side, Side]
    initial: Package
    rounds: tuple[Round, ...]
    discount: float = 0.9
    continuation: str = "perpetuity"
    solver: SolverSettings = SolverSettings()
    description: str = ""
    as_of: str = ""
    config: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    source: str = field(default="", compare=False)
    #: Whether each side is short-lived (a new player each period, paid that period only).
    short_lived: tuple[bool, bool] = (False, False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.discount < 1.0 and self.continuation == "perpetuity":
            raise ValueError(f"a discount in [0, 1) for continuation 'perpetuity', got {self.discount}")
        if self.continuation not in CONTINUATIONS:
            raise ValueError(f"continuation {self.continuation!r}: one of {CONTINUATIONS}")
        for side in self.sides:
            side.check_against(self.space)

    @property
    def side_names(self) -> tuple[str, str]:
        return (self.sides[0].name, self.sides[1].name)

    # ------------------------------------------------------------- the state space
    @property
    def sizes(self) -> tuple[int, ...]:
        """Levels of each issue, in the space's order."""
        return tuple(len(issue.levels) for issue in self.space.issues)

    def states(self) -> np.ndarray:
        """Every state as level indices, shape (S, I), in mixed-radix order (last issue fastest)."""
        grids = np.meshgrid(*[np.arange(k) for k in self.sizes], indexing="ij")
        return np.stack([g.ravel() for g in grids], axis=-1).astype(np.int64)

    def index(self, levels: np.ndarray) -> np.ndarray:
        """State indices of level-index vectors (..., I)."""
        return np.ravel_multi_index(tuple(np.moveaxis(np.asarray(levels), -1, 0)), self.sizes)

    def state_of(self, package: Package) -> int:
        return int(self.index(np.array([self.space.issue(i).level_index(level) for i, level in package.levels])))

    def describe_state(self, s: int) -> dict[str, str]:
        """Issue -> level of state ``s``."""
        levels = np.unravel_index(s, self.sizes)
        return {issue.name: issue.levels[int(k)] for issue, k in zip(self.space.issues, levels, strict=True)}

    def state_utilities(self) -> np.ndarray:
        """Each side's utility of every state, shape (S, 2): the weighted additive utility."""
        states = self.states()
        out = np.zeros((len(states), 2))
        for i, side in enumerate(self.sides):
            for j, issue in enumerate(self.space.issues):
                values = np.asarray(side.level_values[issue.name], dtype=float)
                out[:, i] += float(side.weights[issue.name]) * values[states[:, j]]
        return out

    def transitions(self, k: int) -> np.ndarray:
        """The state after round ``k`` for every state and pair of actions, shape (S, m, n)."""
        rnd = self.rounds[k]
        states = self.states()
        m, n = len(rnd.actions[0]), len(rnd.actions[1])
        after = np.broadcast_to(states[:, None, None, :], (len(states), m, n, states.shape[1])).copy()
        position = {issue.name: j for j, issue in enumerate(self.space.issues)}
        occurs = self.occurs(k)
        for (a, b), levels in rnd.sets.items():
            for issue, level, condition in levels:
                holds = occurs.copy()
                for other, required in condition:
                    holds &= states[:, position[other]] == self.space.issue(other).level_index(required)
                after[holds, a, b, position[issue]] = self.space.issue(issue).level_index(level)
        return self.index(after)

    def occurs(self, k: int) -> np.ndarray:
        """Whether round ``k`` takes place in each state (its ``when`` holds), shape (S,)."""
        states = self.states()
        holds = np.ones(len(states), dtype=bool)
        for j, issue in enumerate(self.space.issues):
            for name, level in self.rounds[k].when:
                if name == issue.name:
                    holds &= states[:, j] == issue.level_index(level)
        return holds

    def periods(self) -> tuple[int, ...]:
        """The period each round belongs to: the number of paying rounds before the first
        paying round at or after it (rounds after the last paying one: the number of paying
        rounds, the period of the final state)."""
        out, period = [], 0
        for rnd in self.rounds:
            out.append(period)
            period += int(rnd.pays)
        # a round that does not pay belongs to the period the next paying round closes
        return tuple(out)

    def action_index(self, k: int, side: int, action: str | None) -> int | None:
        actions = self.rounds[k].actions[side]
        if not self.rounds[k].movers[side]:
            return 0
        return None if action is None else actions.index(action)

    def observed_path(self, fallback: Callable[[int, int], tuple[int, int]] | None = None,
                      ) -> list[tuple[int, tuple[int, int], tuple[bool, bool]]]:
        """The state before each round when the sides play what was observed: per round, the
        state, the pair of action indices played and which of them were observed. An
        unobserved action is ``fallback(round, state)``'s (default: the first action)."""
        path = []
        s = self.state_of(self.initial)
        for k, rnd in enumerate(self.rounds):
            guess = fallback(k, s) if fallback is not None else (0, 0)
            chosen, seen = [], []
            for i in (0, 1):
                a = self.action_index(k, i, rnd.observed[i])
                seen.append(rnd.movers[i] and rnd.observed[i] is not None)
                chosen.append(guess[i] if a is None else a)
            pair = (chosen[0], chosen[1])
            path.append((s, pair, (seen[0], seen[1])))
            s = int(self.transitions(k)[s, pair[0], pair[1]])
        return path


@dataclass(frozen=True)
class TypedRounds:
    """A rounds game in which ``side`` privately knows its type.

    Attributes
    ----------
    games : tuple of RoundsGame
        The game under each type: same rounds and state, the type's values.
    side : int
        The side with private types.
    types : tuple of str
    prior : tuple of float
    """

    games: tuple[RoundsGame, ...]
    side: int
    types: tuple[str, ...]
    prior: tuple[float, ...]

    def __post_init__(self) -> None:
        if not (len(self.games) == len(self.types) == len(self.prior) >= 2):
            raise ValueError("one game and one prior probability per type, at least two types")
        if abs(sum(self.prior) - 1.0) > 1e-9 or min(self.prior) < 0:
            raise ValueError(f"a prior: probabilities summing to 1, got {self.prior}")
        first = self.games[0]
        for game in self.games[1:]:
            if game.rounds != first.rounds or game.initial != first.initial or game.space != first.space:
                raise ValueError("the games of the types differ in more than their values")

    @property
    def base(self) -> RoundsGame:
        return self.games[0]
