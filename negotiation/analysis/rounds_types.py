r"""A rounds game with private types (or short-lived sides) analysed in its tree.

The game is the tree of every history (:func:`negotiation.model.rounds_tree.rounds_tree`). Its
headline is the limit of the agent logit-QRE principal branch
(:func:`negotiation.solvers.agent_qre.agent_logit_qre`) with each side's payoffs, and each
short-lived agent's, on its own range over the tree (worst 0, best 1), so that the pick depends
on no side's units (MODELLING.md, rule 1): a sequential equilibrium (McKelvey and Palfrey 1998),
its beliefs Bayes' rule along the branch. Its max regret is checked on the scenario's own
payoffs (the long-lived sides' by a best response in the whole tree, the short-lived agents' by
:func:`negotiation.solvers.agent_form.agent_regrets`).

Reported: every decision's play and, for the side without private information, its belief about
the type there; and along the observed choices, each round's predicted play of the observed
movers (for the private side, its types' play weighted by the belief the history leaves) and
the probability of what was observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.model.rounds import RoundsGame, TypedRounds
from negotiation.model.tree import CHANCE, PERSONAL, GameTree

__all__ = ["TypedRoundsAnalysis", "analyze_typed_rounds"]


@dataclass(frozen=True, eq=False)
class TypedRoundsAnalysis:
    game: TypedRounds | RoundsGame
    tree: GameTree
    qre: Any  # AgentQRE on the own-scale tree
    regret: float  # of the headline on the scenario's payoffs
    observed: tuple[dict[str, Any], ...]

    @property
    def base(self) -> RoundsGame:
        return self.game.base if isinstance(self.game, TypedRounds) else self.game

    @property
    def types(self) -> tuple[str, ...]:
        return self.game.types if isinstance(self.game, TypedRounds) else ()

    def _position(self) -> dict[int, tuple[int, int]]:
        return {s: (p, k) for p in (0, 1) for k, s in enumerate(self.tree.player_infosets(p))}

    def _type_of(self, node: int) -> str:
        path = self.tree.path(node)
        return self.types[path[0][1]] if self.types else ""

    def decisions(self) -> list[dict[str, Any]]:
        """Each information set: who decides, where, the play and (for the side without private
        information) its belief about the type."""
        out = []
        names = self.base.side_names
        private = self.game.side if isinstance(self.game, TypedRounds) else -1
        for player in (0, 1):
            for k, s in enumerate(self.tree.player_infosets(player)):
                infoset = self.tree.infosets[s]
                entry: dict[str, Any] = {
                    "side": names[player], "at": infoset.label,
                    "play": dict(zip(infoset.actions, map(float, self.qre.behaviour[player][k]), strict=True))}
                if self.types and player != private:
                    by_type = dict.fromkeys(self.types, 0.0)
                    for member, b in zip(infoset.members, self.qre.beliefs[player][k], strict=True):
                        by_type[self._type_of(member)] += float(b)
                    entry["belief"] = by_type
                out.append(entry)
        return out

    @property
    def log_likelihood(self) -> float:
        """Of the observed choices under the headline (natural log; -inf if one has probability 0)."""
        ps = [r["p_observed"] for r in self.observed if r["p_observed"] is not None]
        return float(np.sum(np.log(ps))) if ps and min(ps) > 0 else (0.0 if not ps else float("-inf"))

    def to_dict(self) -> dict[str, Any]:
        base = self.base
        out: dict[str, Any] = {
            "scenario": base.name, "title": base.title, "kind": "rounds_types",
            "short_lived": [n for n, s in zip(base.side_names, base.short_lived, strict=True) if s],
            "headline": "limit of the agent logit QRE (each side's payoffs on its own range)",
            "max_regret": self.regret, "converged": bool(self.qre.converged),
            "observed": list(self.observed), "log_likelihood": self.log_likelihood,
            "decisions": self.decisions(),
        }
        if isinstance(self.game, TypedRounds):
            out["private_side"] = base.side_names[self.game.side]
            out["types"] = dict(zip(self.game.types, self.game.prior, strict=True))
        return out

    def text(self) -> str:
        base = self.base
        lines = [f"{base.title}  [{base.name}]"]
        if isinstance(self.game, TypedRounds):
            private = base.side_names[self.game.side]
            lines.append("Types of " + private + ": " + ", ".join(
                f"{t} {p:.0%}" for t, p in zip(self.game.types, self.game.prior, strict=True))
                + f" (prior; {private} knows its own type)")
        short = [n for n, s in zip(base.side_names, base.short_lived, strict=True) if s]
        if short:
            lines.append("Short-lived (a new decision-maker each period, paid that period only): " + ", ".join(short))
        lines += [f"Headline: the limit of the agent logit QRE, each side's payoffs on its own range (a sequential "
                  f"equilibrium; max regret {self.regret:.2g}, {'converged' if self.qre.converged else 'NOT converged'})",
                  ""]
        if self.observed:
            lines.append("Along the observed choices (predicted play; P of what was observed):")
            for r in self.observed:
                play = ", ".join(f"{a} {p:.0%}" for a, p in r["predicted"].items())
                seen = "not observed" if r["observed"] is None else f"observed {r['observed']}: P = {r['p_observed']:.3f}"
                belief = ""
                if r.get("belief"):
                    belief = "; belief before: " + ", ".join(f"{t} {p:.0%}" for t, p in r["belief"].items())
                lines.append(f"  {r['round']} ({r['side']}): {play}; {seen}{belief}")
            lines.append(f"Log-likelihood of the observed choices: {self.log_likelihood:.3f}")
        else:
            lines.append("First decisions:")
            for d in self.decisions()[:12]:
                play = ", ".join(f"{a} {p:.0%}" for a, p in d["play"].items() if p > 5e-3)
                belief = "   believes " + ", ".join(f"{t} {p:.0%}" for t, p in d["belief"].items()) if "belief" in d else ""
                lines.append(f"  {d['at']}: {play}{belief}")
        return "\n".join(lines)


def _observed(game: TypedRounds | RoundsGame, tree: GameTree, behaviour) -> tuple[dict[str, Any], ...]:
    """Each round's predicted play of its movers along the observed choices (an unobserved
    choice is averaged over by the model's own play) and the probability of what was observed."""
    base = game.base if isinstance(game, TypedRounds) else game
    names = base.side_names
    types = game.types if isinstance(game, TypedRounds) else ()
    position = {s: (p, k) for p in (0, 1) for k, s in enumerate(tree.player_infosets(p))}
    # the positions reached: (node, weight, type index); the chance move draws the type
    root = 0
    if tree.kind[root] == CHANCE:
        current = [(int(c), float(tree.probabilities[0, int(c)]), t) for t, c in enumerate(tree.children(root))]
    else:
        current = [(root, 1.0, -1)]
    rows = []
    for rnd in base.rounds:
        for i in (0, 1):
            if not rnd.movers[i]:
                continue
            here = [(v, w, t) for v, w, t in current
                    if tree.kind[v] == PERSONAL and tree.labels[v] == f"{rnd.name}: {names[i]}"]
            if not here:  # skipped (its `when` does not hold) on the observed path
                continue
            total = sum(w for _, w, _ in here)
            actions = tree.infosets[int(tree.infoset[here[0][0]])].actions
            predicted = np.zeros(len(actions))
            by_type = dict.fromkeys(types, 0.0)
            for v, w, t in here:
                p, k = position[int(tree.infoset[v])]
                predicted += w / total * np.asarray(behaviour[p][k], dtype=float)
                if types:
                    by_type[types[t]] += w / total
            seen = rnd.observed[i]
            a = actions.index(seen) if seen is not None else None
            row: dict[str, Any] = {"round": rnd.name, "date": rnd.date, "side": names[i], "observed": seen,
                                   "predicted": dict(zip(actions, map(float, predicted), strict=True)),
                                   "p_observed": None if a is None else float(predicted[a])}
            if types:
                row["belief"] = by_type
            rows.append(row)
            nxt = []
            for v, w, t in current:
                if (v, w, t) not in here:
                    nxt.append((v, w, t))
                    continue
                p, k = position[int(tree.infoset[v])]
                sigma = np.asarray(behaviour[p][k], dtype=float)
                for j, c in enumerate(tree.children(v)):
                    if (a is None or j == a) and sigma[j] > 0:
                        nxt.append((int(c), w * sigma[j], t))
            current = nxt
            if not current:  # the observed choice has probability 0 here: nothing to condition on
                return tuple(rows)
    return tuple(rows)


def analyze_typed_rounds(game: TypedRounds | RoundsGame) -> TypedRoundsAnalysis:
    """Solve a rounds game in its tree (module docstring)."""
    from negotiation.analysis.types import own_scale
    from negotiation.model.rounds_tree import rounds_tree
    from negotiation.solvers.agent_form import agent_regrets
    from negotiation.solvers.agent_qre import agent_logit_qre
    from negotiation.solvers.sequence_form import behaviour_regrets, sequence_form

    tree = rounds_tree(game)
    qre = agent_logit_qre(own_scale(tree))
    base = game.base if isinstance(game, TypedRounds) else game
    _, regrets = behaviour_regrets(sequence_form(tree, agents=True), qre.behaviour)
    worst = [float(regrets[i]) for i in (0, 1) if not base.short_lived[i]]
    if tree.short_lived:
        worst.append(float(agent_regrets(tree, qre.behaviour).max()))
    return TypedRoundsAnalysis(game=game, tree=tree, qre=qre, regret=max(0.0, *worst),
                               observed=_observed(game, tree, qre.behaviour))
