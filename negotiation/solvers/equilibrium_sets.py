r"""One game's subgame-perfect equilibria, read off a batched induction: the headline, the
distinct outcome classes with their counts, and (on request) every equilibrium.

A *profile* assigns an outcome class to every unit of the tree
(:mod:`negotiation.solvers.backward_induction`): the class fixes the action at a decision
and the equilibrium at a stage, and its back pointers the classes of the units below. The
headline is the profile of headline classes; each outcome class at the root has a
representative profile; :meth:`SubgamePerfectResult.equilibria` expands every class into all
its equilibria (lexicographically, up to a limit), whose number is the class's count.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from negotiation.model.tree import BARGAIN
from negotiation.solvers.backward_induction import Induction
from negotiation.solvers.records import MixedEquilibrium, NashResult
from negotiation.solvers.subgames import DECISION, STAGE
from negotiation.solvers.ties import degeneracy_note

__all__ = ["BargainPlay", "StagePlay", "SubgamePerfectEquilibrium", "SubgamePerfectResult", "subgame_perfect_result"]

Path = tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)
class StagePlay:
    """The equilibrium played at one stage of a profile.

    Attributes
    ----------
    path : tuple of (node label, action)
        The history leading to the stage.
    label : str
    node : int
    equilibrium_index : int
        Index into the stage's equilibria (:attr:`SubgamePerfectResult.stage_results`).
    equilibrium : MixedEquilibrium
        Rows are the stage root player's actions.
    resolution_probabilities : numpy.ndarray or None
    """

    path: Path
    label: str
    node: int
    equilibrium_index: int
    equilibrium: MixedEquilibrium
    resolution_probabilities: np.ndarray | None


@dataclass(frozen=True, eq=False)
class BargainPlay:
    """The bargaining outcome at one bargaining node."""

    path: Path
    label: str
    node: int
    outcome: object

    @property
    def resolution_probabilities(self) -> np.ndarray:
        return self.outcome.resolution_probabilities  # type: ignore[attr-defined]


class _Classes:
    """The class of every unit in one profile, looked up lazily.

    ``explicit``: every unit's class given (an expanded equilibrium); ``root``: the
    representative of a root class (the classes below follow its back pointers, the
    headline's where there are none); neither: the headline."""

    def __init__(self, result: SubgamePerfectResult, root: int | None = None, explicit: dict[int, int] | None = None):
        self.result, self.root, self.explicit = result, root, explicit
        self.memo: dict[int, int | None] = {}

    def get(self, u: int) -> int | None:
        result = self.result
        table = result.induction.classes.get(u)
        if table is None:
            return None
        if self.explicit is not None:
            return self.explicit.get(u)
        i = result.point
        if self.root is None:
            return int(table.headline[i])
        if u == 0:
            return self.root
        if u in self.memo:
            return self.memo[u]
        parent, slot = result.unit_parent[u]
        above = result.induction.classes.get(parent)
        c = self.get(parent)
        value = int(table.headline[i])
        if above is not None and c is not None and above.back is not None and above.back.shape[-1] == len(result.below(parent)):
            pick = int(above.back[i, c, slot])
            if pick >= 0:
                value = pick
        self.memo[u] = value
        return value


class SubgamePerfectEquilibrium:
    """One subgame-perfect equilibrium (or a representative of a class of them).

    Attributes
    ----------
    payoffs : tuple of float
    resolution_probabilities : numpy.ndarray or None
        Probabilities of the outcomes on the equilibrium path.
    path : tuple of (node label, action)
        The decisions on the path, from the root to the first stage, chance or terminal node.
    max_regret : float
        The largest gain from a one-shot deviation anywhere (0 up to ``tol`` for an SPE).
    count : int
        Number of equilibria this record stands for (its outcome class); 1 in a full list.
    """

    def __init__(self, result: SubgamePerfectResult, classes: _Classes, count: int, max_regret: float):
        self._result = result
        self._assignment = classes
        self.count = count
        self.max_regret = float(max_regret)
        root = 0
        induction, i = result.induction, result.point
        table = induction.classes.get(root)
        c = classes.get(root)
        if table is None or result.headline_only or c is None:
            value = induction.values[i, root]
            lottery = None if induction.lotteries is None else induction.lotteries[i, root]
        else:
            value = table.value[i, c]
            lottery = None if table.lottery is None else table.lottery[i, c]
        self.payoffs = (float(value[0]), float(value[1]))
        self.exact_payoffs = (value[0], value[1]) if induction.tree.exact else None
        self.resolution_probabilities = None if lottery is None else np.asarray(lottery, dtype=float)
        self.path = self._path()

    # -- the profile, unit by unit
    def action(self, u: int) -> int:
        """The action at decision ``u`` or the equilibrium at stage ``u``."""
        return self._result.action_of(u, self._assignment)

    def _path(self) -> Path:
        tree = self._result.induction.tree
        units = self._result.induction.units
        steps = []
        u = 0
        while units.kind[u] == DECISION:
            a = self.action(u)
            steps.append((tree.labels[u], tree.actions(u)[a]))
            u = int(tree.children(u)[a])
        return tuple(steps)

    @cached_property
    def decisions(self) -> tuple[tuple[Path, str], ...]:
        """The action at every decision node (identified by its history), in preorder."""
        tree = self._result.induction.tree
        units = self._result.induction.units
        return tuple(
            (tree.history(u), tree.actions(u)[self.action(u)])
            for u in self._result.reached(self._assignment) if units.kind[u] == DECISION
        )

    @cached_property
    def stages(self) -> tuple[StagePlay, ...]:
        """The equilibrium at every stage, in preorder."""
        units = self._result.induction.units
        return tuple(
            self._result.stage_play(u, self._assignment) for u in self._result.reached(self._assignment)
            if units.kind[u] == STAGE
        )

    @cached_property
    def bargains(self) -> tuple[BargainPlay, ...]:
        units = self._result.induction.units
        return tuple(self._result.bargain_play(u) for u in self._result.reached(self._assignment) if units.kind[u] == BARGAIN)

    def _on_path(self) -> int:
        tree = self._result.induction.tree
        units = self._result.induction.units
        u = 0
        while units.kind[u] == DECISION:
            u = int(tree.children(u)[self.action(u)])
        return u

    def stage_on_path(self) -> StagePlay | None:
        """The stage reached on the path (None if a chance node or terminal comes first)."""
        u = self._on_path()
        if self._result.induction.units.kind[u] != STAGE:
            return None
        return self._result.stage_play(u, self._assignment)

    def bargain_on_path(self) -> BargainPlay | None:
        u = self._on_path()
        if self._result.induction.units.kind[u] != BARGAIN:
            return None
        return self._result.bargain_play(u)

    def behaviour(self) -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]:
        """Behaviour strategies ``[player][information set][action]`` (sets in order of
        appearance); a set not reached by backward induction gets the uniform strategy."""
        return self._result.behaviour(self._assignment, exact=False)

    def exact_behaviour(self):
        return self._result.behaviour(self._assignment, exact=True)


@dataclass(frozen=True, eq=False)
class SubgamePerfectResult:
    """Every subgame-perfect equilibrium of one game of a batch, summarised.

    Attributes
    ----------
    induction : Induction
    point : int
        The game's index in the batch.
    """

    induction: Induction
    point: int

    @property
    def headline_only(self) -> bool:
        return self.induction.detail == "headline"

    @property
    def selection_rule(self) -> str:
        return self.induction.selection_rule

    @property
    def status(self) -> str:
        return str(self.induction.status()[self.point])

    @cached_property
    def headline(self) -> SubgamePerfectEquilibrium:
        """The equilibrium picked by the selection rule at stages and the first optimal
        action at ties."""
        return SubgamePerfectEquilibrium(self, _Classes(self), 1, self.induction.regrets[self.point, 0])

    def action_of(self, u: int, assignment: _Classes) -> int:
        induction, i = self.induction, self.point
        table = induction.classes.get(u)
        c = assignment.get(u) if table is not None else None
        if table is None or c is None or table.action is None:
            return int(induction.choice[i, u])
        return int(table.action[i, c])

    @cached_property
    def unit_parent(self) -> dict[int, tuple[int, int]]:
        """The unit above each unit and its position among that unit's units below."""
        units = self.induction.units
        parent: dict[int, tuple[int, int]] = {}
        for p in np.flatnonzero(units.kind >= 0):
            for j, w in enumerate(self.below(int(p))):
                parent[int(w)] = (int(p), j)
        return parent

    def reached(self, assignment: _Classes) -> list[int]:
        """Every unit of the profile, in preorder (the assignment gives the classes of units
        below a class through its back pointers; headline classes elsewhere)."""
        tree, units = self.induction.tree, self.induction.units
        out = []
        stack = [0]
        while stack:
            u = stack.pop()
            if units.kind[u] < 0:
                continue
            out.append(u)
            below = units.children(tree, u)
            stack.extend(int(c) for c in reversed(np.unique(below) if units.kind[u] == STAGE else below))
        return out

    @cached_property
    def count(self) -> int:
        """The number of subgame-perfect equilibria (exact)."""
        table = self.induction.classes.get(0)
        if table is None or table.count is None:
            return 1 if 0 not in self.induction.classes else int(self.induction.classes[0].valid[self.point].sum())
        i = self.point
        return int(sum(int(c) for c, v in zip(table.count[i], table.valid[i], strict=True) if v))

    @cached_property
    def classes(self) -> tuple[SubgamePerfectEquilibrium, ...]:
        """A representative of each distinct outcome class, with its count."""
        table = self.induction.classes.get(0)
        i = self.point
        if table is None:
            return (self.headline,)
        out = []
        for c in np.flatnonzero(table.valid[i]):
            count = int(table.count[i, c]) if table.count is not None else 1
            out.append(SubgamePerfectEquilibrium(self, _Classes(self, root=int(c)), count, table.regret[i, c]))
        return tuple(out)

    def below(self, u: int) -> np.ndarray:
        units, tree = self.induction.units, self.induction.tree
        if units.kind[u] == STAGE:
            return np.unique(units.stages[u].cells)
        return tree.children(u)

    def equilibria(self, limit: int | None = None) -> tuple[SubgamePerfectEquilibrium, ...]:
        """Every subgame-perfect equilibrium (at most ``limit``, default the solver's cap),
        class by class. Needs an induction with ``detail="summary"``."""
        if self.induction.detail != "summary":
            raise ValueError("listing every equilibrium needs backward_induction(..., detail='summary')")
        limit = self.induction.max_classes if limit is None else limit
        if 0 not in self.induction.classes:  # a terminal or bargaining root: one equilibrium
            return (self.headline,)
        table = self.induction.classes[0]
        i = self.point
        out = []
        for c in np.flatnonzero(table.valid[i]):
            for assignment, regret in self._expand(0, int(c)):
                out.append(SubgamePerfectEquilibrium(self, _Classes(self, explicit=assignment), 1, regret))
                if len(out) >= limit:
                    return tuple(out)
        return tuple(out)

    def _expand(self, u: int, c: int) -> Iterator[tuple[dict[int, int], float]]:
        """Every profile of the subtree at ``u`` in class ``c``: (assignment, max regret)."""
        induction, i, tol = self.induction, self.point, self.induction.tol
        table = induction.classes.get(u)
        if table is None:
            yield {}, 0.0
            return
        kind = induction.units.kind[u]
        below = [int(w) for w in self.below(u)]
        if kind == DECISION and int(induction.choice[i, u]) >= 0:
            a = int(table.action[i, c])
            player = int(induction.tree.player[u])
            chosen = int(table.back[i, c, a])
            va = induction.classes[below[a]].value[i, chosen, player] if below[a] in induction.classes else induction.values[i, below[a], player]
            options = []
            allowed = induction.restrict.get(int(induction.tree.infoset[u]))
            for j, w in enumerate(below):
                if j == a:
                    options.append([chosen])
                    continue
                if allowed is not None and j not in allowed:
                    options.append([None])
                    continue
                kid = induction.classes.get(w)
                if kid is None:
                    options.append([0])
                    continue
                ok = kid.valid[i] & (kid.value[i, :, player] <= va + tol)
                options.append([int(k) for k in np.flatnonzero(ok)])
            yield from self._product(u, c, below, options, table.regret[i, c])
            return
        # stages, chance, fixed behaviour: the class's back pointers fix the children's classes
        back = table.back[i, c] if table.back is not None else np.zeros(0, dtype=int)
        options = [[int(back[j])] if j < len(back) else [0] for j in range(len(below))]
        yield from self._product(u, c, below, options, table.regret[i, c])

    def _product(self, u, c, below, options, regret):
        subs = []
        for w, opts in zip(below, options, strict=True):
            expansions = []
            for k in opts:
                if k is None:
                    expansions.append(({}, 0.0))
                else:
                    expansions.extend(self._expand(w, k))
            subs.append(expansions)
        for combo in itertools.product(*subs):
            assignment = {u: c}
            worst = float(regret)
            for part, r in combo:
                assignment.update(part)
                worst = max(worst, r)
            yield assignment, worst

    # -- records of stages and bargains
    @cached_property
    def stage_results(self) -> tuple[tuple[Path, str, NashResult], ...]:
        """Every stage's equilibria (history, label, result), in preorder."""
        induction, i = self.induction, self.point
        tree = induction.tree
        out = []
        for u in sorted(induction.stages):
            record = induction.stages[u]
            g = record.game(i, u)
            out.append((tree.history(u), tree.labels[u], record.solutions.result(g, record.A, record.B)))
        return tuple(out)

    def stage_strategies(self, u: int, assignment: _Classes):
        """The stage equilibrium a profile plays at stage ``u``: (x, y, index, max regret,
        payoffs of the stage root player and of the other), exact where the tree is."""
        induction, i = self.induction, self.point
        table = induction.classes.get(u)
        c = assignment.get(u) if table is not None else None
        if table is not None and c is not None and table.row is not None:
            x, y = table.row[i, c], table.column[i, c]
            e = int(table.action[i, c])
            regret = float(table.regret[i, c])
        else:
            record = induction.stages[u]
            g = record.game(i, u)
            e = int(induction.choice[i, u])
            x, y = record.solutions.row[g, e], record.solutions.column[g, e]
            regret = float(record.solutions.max_regret[g, e])
        return x, y, e, regret

    def stage_play(self, u: int, assignment: _Classes) -> StagePlay:
        induction, i = self.induction, self.point
        tree = induction.tree
        stage = induction.units.stages[u]
        x, y, e, _ = self.stage_strategies(u, assignment)
        xf, yf = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        cells = stage.cells
        # continuation values of the profile below the stage (terminal payoffs, or the
        # classes the profile plays in the continuations)
        values = np.zeros(cells.shape + (2,))
        lotteries = None if induction.lotteries is None else np.zeros(cells.shape + (induction.lotteries.shape[-1],))
        for a in range(cells.shape[0]):
            for b in range(cells.shape[1]):
                w = int(cells[a, b])
                kid = induction.classes.get(w)
                k = assignment.get(w) if kid is not None else None
                if kid is not None and k is not None:
                    values[a, b] = np.asarray(kid.value[i, k], dtype=float)
                    if lotteries is not None:
                        lotteries[a, b] = kid.lottery[i, k]
                else:
                    values[a, b] = np.asarray(induction.values[i, w], dtype=float)
                    if lotteries is not None:
                        lotteries[a, b] = induction.lotteries[i, w]
        A, B = values[..., stage.row_player], values[..., stage.column_player]
        from negotiation.solvers.records import make_equilibrium

        eq = make_equilibrium(A, B, xf, yf, exact=(tuple(x), tuple(y)) if induction.tree.exact else None)
        lottery = None if lotteries is None else np.einsum("a,b,abr->r", xf, yf, lotteries)
        return StagePlay(tree.history(u), tree.labels[u], u, e, eq, lottery)

    def bargain_play(self, u: int) -> BargainPlay:
        tree = self.induction.tree
        return BargainPlay(tree.history(u), tree.labels[u], u, self.induction.bargains[u][self.point])

    def behaviour(self, assignment: _Classes, exact: bool):
        """Behaviour strategies of a profile, per player and information set."""
        induction, i = self.induction, self.point
        tree, units = induction.tree, induction.units
        chosen: dict[int, tuple] = {}
        one, zero = (1, 0)
        for s, given in induction.fixed.items():  # behaviour given (one row, or one per point)
            given = np.asarray(given, dtype=object if tree.exact else float)
            chosen[int(s)] = tuple(given if given.ndim == 1 else given[i])
        for u in self.reached(assignment):
            if units.kind[u] == DECISION and int(tree.infoset[u]) not in induction.fixed:
                a = self.action_of(u, assignment)
                k = len(tree.actions(u))
                chosen[int(tree.infoset[u])] = tuple(one if j == a else zero for j in range(k))
            elif units.kind[u] == STAGE:
                st = units.stages[u]
                x, y, _, _ = self.stage_strategies(u, assignment)
                chosen[int(tree.infoset[u])] = tuple(x)
                chosen[st.column_infoset] = tuple(y)
        out = []
        for player in (0, 1):
            sets = []
            for s in tree.player_infosets(player):
                k = len(tree.infosets[s].actions)
                probs = chosen.get(s, tuple([1 / k] * k))
                sets.append(tuple(p if exact else float(p) for p in probs))
            out.append(tuple(sets))
        return (out[0], out[1])

    @cached_property
    def notes(self) -> tuple[str, ...]:
        induction, i = self.induction, self.point
        notes = []
        if induction.capped[i]:
            notes.append(
                f"more than {induction.max_classes} distinct equilibrium outcomes in some subgame: the "
                "summary keeps the first ones (the counts are lower bounds)"
            )
        if induction.tie[i]:
            notes.append(
                "a mover is indifferent between actions somewhere in the tree: each optimal action gives an "
                "equilibrium (mixtures of them are subgame perfect too); the headline takes the first optimal "
                "action in the node's order"
            )
        tree = induction.tree
        for u, (_, label, result) in zip(sorted(induction.stages), self.stage_results, strict=True):
            if result.status == "ok":
                continue
            said = list(result.notes)
            if result.status == "degenerate":
                record = induction.stages[u]
                g = record.game(i, u)
                row_player = int(tree.player[u])
                column = tree.infosets[induction.units.stages[u].column_infoset]
                said.insert(0, degeneracy_note(
                    np.asarray(record.A[g], dtype=float), np.asarray(record.B[g], dtype=float), result,
                    (tree.players[row_player], tree.players[1 - row_player]), tree.actions(u), column.actions))
            notes.append(f"stage '{label or 'talks'}' is {result.status}: " + "; ".join(said))
        return tuple(notes)


def subgame_perfect_result(induction: Induction, point: int = 0) -> SubgamePerfectResult:
    """The equilibria of game ``point`` of a batched induction."""
    return SubgamePerfectResult(induction, point)

