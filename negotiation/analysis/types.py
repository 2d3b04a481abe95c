r"""A scenario with private types analysed: who plays which move, what the other side believes.

The game is the scenario's tree under a chance move that draws the private side's type
(:func:`negotiation.model.compile.typed_tree`). Its headline equilibrium is the limit of the
agent logit-QRE principal branch (:func:`negotiation.solvers.agent_qre.agent_logit_qre`) on the
game with each side's payoffs on its own range over the tree (worst 0, best 1), so that the pick
depends on no side's units (MODELLING.md, rule 1); the limit is a sequential equilibrium of the
game (McKelvey and Palfrey 1998), and its beliefs are Bayes' rule along the branch. Its max
regret is checked exactly on the scenario's own payoffs. Beside it, one equilibrium by Lemke's
algorithm on the sequence form, with its sequential check: two answers, so that a reader sees
when the game has more than one.

Reported: each type's probability of each of its moves after each history; the other side's
moves; its belief about the type at each of its decisions (after each history of moves); the
talks stances; the probability of each resolution; and whether the path of 2025 (every move
played) has positive probability.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.model.compile import typed_tree
from negotiation.model.scenario import Scenario
from negotiation.model.tree import PERSONAL, TERMINAL, GameTree

__all__ = ["TypesAnalysis", "analyze_types", "own_scale"]


@dataclass(frozen=True, eq=False)
class TypesAnalysis:
    scenarios: tuple[Scenario, ...]
    side: int
    types: tuple[str, ...]
    prior: tuple[float, ...]
    tree: GameTree
    qre: Any  # AgentQRE on the own-scale tree
    regret: float  # of the headline on the scenario's payoffs
    lemke: Any  # SequenceFormEquilibrium
    lemke_sequential: Any  # SequentialAssessment
    outcome_probabilities: dict[str, float]
    all_moves_probability: float

    @property
    def base(self) -> Scenario:
        return self.scenarios[0]

    def decisions(self) -> list[dict[str, Any]]:
        """Each information set of the headline: who decides, where, the behaviour and the
        belief about the private side's type (for the other side)."""
        out = []
        names = self.base.side_names
        for player in (0, 1):
            for k, s in enumerate(self.tree.player_infosets(player)):
                infoset = self.tree.infosets[s]
                entry = {"side": names[player], "at": infoset.label,
                         "play": dict(zip(infoset.actions, map(float, self.qre.behaviour[player][k]), strict=True))}
                if player != self.side:
                    belief = self.qre.beliefs[player][k]
                    by_type = dict.fromkeys(self.types, 0.0)
                    for member, b in zip(infoset.members, belief, strict=True):
                        by_type[self._type_of(member)] += float(b)
                    entry["belief"] = by_type
                out.append(entry)
        return out

    def _type_of(self, node: int) -> str:
        tree = self.tree
        while int(tree.parent[node]) != 0:
            node = int(tree.parent[node])
        return self.types[int(tree.action[node])]

    def to_dict(self) -> dict[str, Any]:
        base = self.base
        return {
            "scenario": base.name,
            "title": base.title,
            "kind": "types",
            "private_side": base.side_names[self.side],
            "types": dict(zip(self.types, self.prior, strict=True)),
            "headline": "limit of the agent logit QRE (each side's payoffs on its own range)",
            "max_regret": self.regret,
            "converged": bool(self.qre.converged),
            "decisions": self.decisions(),
            "outcome_probabilities": self.outcome_probabilities,
            "all_moves_played_probability": self.all_moves_probability,
            "lemke": None if self.lemke is None else {
                "payoffs": list(map(float, self.lemke.payoffs)), "sequential": self.lemke_sequential.sequential,
                "strategies": [[list(map(float, p)) for p in player] for player in self.lemke.strategies]},
        }

    def text(self) -> str:
        base = self.base
        names = base.side_names
        private = names[self.side]
        lines = [f"{base.title}  [{base.name}]  (private types of {private})", "",
                 "Types: " + ", ".join(f"{t} {p:.0%}" for t, p in zip(self.types, self.prior, strict=True))
                 + f" (prior; {private} knows its own type, {names[1 - self.side]} knows only this)",
                 "Headline: the limit of the agent logit QRE, each side's payoffs on its own range "
                 f"(a sequential equilibrium; max regret {self.regret:.2g}, "
                 f"{'converged' if self.qre.converged else 'NOT converged'})", ""]
        for d in self.decisions():
            play = ", ".join(f"{a} {p:.0%}" for a, p in d["play"].items() if p > 5e-3)
            belief = ""
            if "belief" in d:
                belief = "   believes " + ", ".join(f"{t} {p:.0%}" for t, p in d["belief"].items())
            where = d["at"] if d["at"].startswith(d["side"] + " ") else f"{d['side']} at {d['at']}"
            lines.append(f"  {where}: {play}{belief}")
        lines += ["", "Outcome: " + ", ".join(f"{k} {v:.1%}" for k, v in self.outcome_probabilities.items()),
                  f"Every pre-talk move played (the path of 2025): probability {self.all_moves_probability:.1%}"]
        if self.lemke is not None:
            lines.append("A second equilibrium (Lemke on the sequence form): payoffs "
                         + ", ".join(f"{n} {v:.3f}" for n, v in zip(names, map(float, self.lemke.payoffs), strict=True))
                         + f"; sequential: {self.lemke_sequential.status}")
        return "\n".join(lines)


def own_scale(tree: GameTree) -> GameTree:
    """The tree with each player's terminal payoffs, and each short-lived agent's, mapped onto
    [0, 1] (worst 0, best 1): a pick that then depends on no side's units (MODELLING.md, rule 1)."""

    def scaled(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float).copy()
        for i in range(values.shape[-1]):
            low, high = values[..., i].min(), values[..., i].max()
            values[..., i] = (values[..., i] - low) / (high - low) if high > low else 0.0
        return values

    agents = None if tree.agent_payoffs is None else scaled(tree.agent_payoffs)
    return dataclasses.replace(tree, payoffs=scaled(tree.payoffs), agent_payoffs=agents)


def analyze_types(scenarios: tuple[Scenario, ...], side: int, types: tuple[str, ...], prior: tuple[float, ...], *,
                  second: bool = True) -> TypesAnalysis:
    """Solve a scenario with private types (module docstring); ``second=False`` leaves out the
    second answer (Lemke and its sequential check: ``lemke`` and ``lemke_sequential`` None), for
    studies that need the headline only."""
    from negotiation.solvers.agent_form import reach_probabilities
    from negotiation.solvers.agent_qre import agent_logit_qre
    from negotiation.solvers.sequence_form import behaviour_regrets, sequence_form
    from negotiation.solvers.sequence_lemke import sequence_form_equilibrium
    from negotiation.solvers.sequential import sequential_assessment

    tree = typed_tree(scenarios, side, types, prior)
    qre = agent_logit_qre(own_scale(tree))
    _, regrets = behaviour_regrets(sequence_form(tree), qre.behaviour)
    lemke = sequence_form_equilibrium(tree) if second else None
    assessment = sequential_assessment(tree, lemke.exact[0]) if second else None
    reach, _ = reach_probabilities(tree, qre.behaviour)
    terminals = np.flatnonzero(tree.kind == TERMINAL)
    lotteries = np.asarray(tree.outcomes)[0, tree.terminal[terminals]]  # (terminals, 3)
    outcome = (reach[terminals, None] * lotteries).sum(axis=0)
    moves = len(scenarios[0].moves)
    # the path of 2025: every move played, whatever the type (the last action of each move node)
    everything = 0.0
    for t in terminals:
        path, v = [], int(t)
        while int(tree.parent[v]) >= 0:
            parent = int(tree.parent[v])
            if int(tree.kind[parent]) == PERSONAL and tree.infosets[int(tree.infoset[parent])].actions == ("refrain", "play"):
                path.append(int(tree.action[v]))
            v = parent
        if len(path) == moves and all(a == 1 for a in path):
            everything += reach[int(t)]
    return TypesAnalysis(
        scenarios=tuple(scenarios), side=side, types=tuple(types), prior=tuple(prior), tree=tree, qre=qre,
        regret=float(max(regrets)), lemke=lemke, lemke_sequential=assessment,
        outcome_probabilities=dict(zip(tree.outcome_names, map(float, outcome), strict=True)),
        all_moves_probability=float(everything))
