"""A rounds scenario analysed: each round's predicted play against what the sides did.

The prediction for round :math:`k` is the Markov-perfect equilibrium's play in the state the
*observed* earlier rounds left (what both sides could see before the round), so every round is
judged on the situation it really faced, not on the model's own earlier predictions. A round
whose observed action is missing follows the equilibrium (its most probable action). The path
the model would predict on its own from the first state is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.model.rounds import RoundsGame
from negotiation.solvers.rounds import RoundsSolution, solve_rounds

__all__ = ["RoundReport", "RoundsAnalysis", "analyze_rounds"]


@dataclass(frozen=True)
class RoundReport:
    """One round on the observed path."""

    name: str
    date: str
    state: dict[str, str]
    movers: tuple[str, ...]
    predicted: dict[str, dict[str, float]]  # side -> action -> probability
    observed: dict[str, str | None]
    p_observed: float | None  # the equilibrium's probability of what was done (movers only)
    equilibria: int
    status: str
    state_after: dict[str, str]
    note: str


@dataclass(frozen=True, eq=False)
class RoundsAnalysis:
    game: RoundsGame
    solution: RoundsSolution
    rounds: tuple[RoundReport, ...]
    model_path: tuple[tuple[str, dict[str, str]], ...]  # round -> each mover's most probable action

    @property
    def hits(self) -> int:
        """Rounds whose observed play is the equilibrium's most probable."""
        return sum(1 for r in self.rounds if r.p_observed is not None and all(
            r.observed[s] == max(r.predicted[s], key=r.predicted[s].get) for s in r.movers))

    def to_dict(self) -> dict[str, Any]:
        game = self.game
        return {
            "scenario": game.name,
            "title": game.title,
            "as_of": game.as_of,
            "kind": "rounds",
            "selection_rule": self.solution.rule,
            "tolerance": self.solution.tolerance,
            "status": self.solution.status,
            "max_regret": self.solution.max_regret,
            "discount": game.discount,
            "continuation": game.continuation,
            "initial_state": game.describe_state(game.state_of(game.initial)),
            "rounds": [r.__dict__ for r in self.rounds],
            "scored_rounds": sum(1 for r in self.rounds if r.p_observed is not None),
            "most_probable_is_observed": self.hits,
            "model_path": [{"round": name, "play": play} for name, play in self.model_path],
        }

    def text(self) -> str:
        game = self.game
        lines = [f"{game.title}  [{game.name}]  (rounds; as of {game.as_of or 'not stated'})", "",
                 f"Markov-perfect equilibrium, selection rule {self.solution.rule}; status {self.solution.status}; "
                 f"max regret {self.solution.max_regret:.2g}", "",
                 "Each round in the state the observed earlier rounds left:"]
        for r in self.rounds:
            predicted = "; ".join(f"{s} " + ", ".join(f"{a} {p:.0%}" for a, p in r.predicted[s].items() if p > 1e-9)
                                  for s in r.movers)
            observed = ", ".join(f"{s} {r.observed[s] or '?'}" for s in r.movers)
            p = "" if r.p_observed is None else f"  P(observed) {r.p_observed:.2f}"
            lines.append(f"  {r.date:<10} {r.name:<22} predicted: {predicted:<40} observed: {observed}{p}")
            if r.note:
                lines.append(f"  {'':<10} {'':<22} note: {r.note}")
        scored = sum(1 for r in self.rounds if r.p_observed is not None)
        lines += ["", f"The equilibrium's most probable play is what was done in {self.hits} of {scored} scored rounds "
                  f"({len(self.rounds) - scored} not scored: unobserved, or a mover indifferent).",
                  "On its own from the first state the model would play: "
                  + "; ".join(f"{name}: " + ", ".join(f"{s} {a}" for s, a in play.items()) for name, play in self.model_path)]
        return "\n".join(lines)


def analyze_rounds(game: RoundsGame, *, rule: str | None = None) -> RoundsAnalysis:
    """Solve ``game`` and read its play along the observed rounds (module docstring)."""
    solution = solve_rounds(game, rule=rule)
    names = game.side_names
    reports = []
    path = game.observed_path(lambda k, s: (int(np.argmax(solution.rounds[k].row[s])),
                                            int(np.argmax(solution.rounds[k].column[s]))))
    for k, (rnd, play) in enumerate(zip(game.rounds, solution.rounds, strict=True)):
        s, chosen, observed = path[k]
        movers = tuple(names[i] for i in (0, 1) if rnd.movers[i])
        mixes = (play.row[s], play.column[s])
        predicted = {names[i]: dict(zip(rnd.actions[i], map(float, mixes[i]), strict=True)) for i in (0, 1) if rnd.movers[i]}
        seen = all(observed[i] for i in (0, 1) if rnd.movers[i])
        same = _indifferent(play.payoffs[s], rnd.movers)
        # a round where a mover is indifferent is not scored: any of its actions is an equilibrium
        p = float(np.prod([mixes[i][chosen[i]] for i in (0, 1) if rnd.movers[i]])) if seen and not any(same) else None
        after = int(game.transitions(k)[s, chosen[0], chosen[1]])
        ties = "; ".join(f"{game.sides[i].label}'s actions change nothing it values: any of them is an equilibrium, so the "
                         "round is not scored" for i in (0, 1) if same[i])
        reports.append(RoundReport(
            name=rnd.name, date=rnd.date, state=game.describe_state(s), movers=movers, predicted=predicted,
            observed={names[i]: rnd.observed[i] for i in (0, 1) if rnd.movers[i]}, p_observed=p,
            equilibria=int(play.count[s]), status=play.status[s], state_after=game.describe_state(after), note=ties))
    # the model's own path from the first state
    path = []
    s = game.state_of(game.initial)
    for k, (rnd, play) in enumerate(zip(game.rounds, solution.rounds, strict=True)):
        a, b = int(np.argmax(play.row[s])), int(np.argmax(play.column[s]))
        path.append((rnd.name, {names[i]: rnd.actions[i][(a, b)[i]] for i in (0, 1) if rnd.movers[i]}))
        s = int(game.transitions(k)[s, a, b])
    return RoundsAnalysis(game, solution, tuple(reports), tuple(path))


def _indifferent(M: np.ndarray, movers: tuple[bool, bool]) -> tuple[bool, bool]:
    """Whether each mover's actions pay it the same against every action of the other (they
    change nothing it values): the model cannot tell them apart, whatever was done."""
    out = []
    for i in (0, 1):
        own = M[..., i] if i == 0 else np.swapaxes(M[..., i], 0, 1)  # [own action, other's]
        span = float(np.ptp(M[..., i])) or 1.0
        out.append(bool(movers[i] and own.shape[0] > 1 and np.all(np.ptp(own, axis=0) <= 1e-9 * span)))
    return (out[0], out[1])
