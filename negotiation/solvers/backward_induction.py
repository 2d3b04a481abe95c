r"""Subgame-perfect equilibria of batches of game trees by backward induction.

The tree (:class:`negotiation.model.tree.GameTree`) is cut into units
(:mod:`negotiation.solvers.subgames`) and solved bottom-up, every unit of one height at once
and every game of the batch at once: a single game is a batch of one.

* A terminal is worth its payoff; a chance node the expectation of its children; a
  bargaining node the outcome of its bargaining protocol.
* At a decision node the mover takes an action that maximises its continuation value;
  every action within ``tol`` of the best is optimal, and each gives subgame-perfect
  equilibria (so do mixtures of them: the result says so).
* At a stage every Nash equilibrium of the bimatrix game of continuation values is a
  candidate (all of them, :func:`negotiation.solvers.stage.solve_stages`).

A profile that does this at every node, on and off the path, is subgame perfect (Selten
1965, 1975); by the one-shot deviation principle its *max regret*, the largest gain from
one deviation anywhere, is at most ``tol``.

The headline equilibrium
------------------------
At each stage with several equilibria a named rule picks one
(:func:`negotiation.solvers.selection.select_equilibria`; ``"first"`` takes the first in
the solver's order) and at a tie the mover takes the first optimal action in the node's
order.

The equilibrium set, summarised
-------------------------------
The number of subgame-perfect equilibria grows like the product of the stages' equilibrium
counts over the whole tree (:math:`3^{4096}` for twelve leverage moves over Madrid-like
stages), so they are not listed but summarised per unit by *outcome classes*: the distinct
ways an equilibrium of the subtree plays on its own path. At a decision of player
:math:`i` with children :math:`a` whose classes have values :math:`v_i(a, c)`, class
:math:`(a, c)` is an equilibrium outcome iff every other child :math:`b` has a class no
better for :math:`i`,

.. math:: \min_{c'} v_i(b, c') \le v_i(a, c) + \mathrm{tol} \quad (b \ne a),

and the number of equilibria in it is

.. math:: N(a, c) = n(a, c) \prod_{b \ne a} \sum_{c':\ v_i(b, c') \le v_i(a, c) + \mathrm{tol}} n(b, c'),

exact (Python integers). A mover is indifferent in some equilibrium iff two children have
classes within ``tol`` of each other that beat every other child's worst class. At a stage
the classes are its equilibria (for every combination of the classes of the continuations
below it); at a chance node the combinations of its children's classes. Each class keeps a
representative (the headline's off-path play where it fits) and the full list can be
expanded on request (:mod:`negotiation.solvers.equilibrium_sets`).

References
----------
Selten, R. (1975). Reexamination of the perfectness concept for equilibrium points in
extensive games. *International Journal of Game Theory* 4, 25--55.
Osborne, M. J. and Rubinstein, A. (1994). *A Course in Game Theory*, Lemma 98.2 (one-shot
deviation) and Proposition 99.2 (Kuhn's theorem).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from negotiation.model.tree import BARGAIN, CHANCE, TERMINAL, GameTree
from negotiation.solvers import induction_stages
from negotiation.solvers.class_tables import (
    ClassTable,
    combinations,
    compact,
    decision_summary,
    player_values,
    take,
    ties,
)
from negotiation.solvers.induction_stages import StageRecord
from negotiation.solvers.records import REGRET_TOLERANCE
from negotiation.solvers.subgames import DECISION, STAGE, Subgames, subgames

__all__ = ["ClassTable", "Induction", "StageRecord", "backward_induction"]

#: Default cap on the outcome classes kept per unit.
MAX_CLASSES = 10_000


@dataclass(frozen=True, eq=False)
class Induction:
    """Backward induction on a batch of trees: the headline and the equilibrium set.

    Attributes
    ----------
    tree : GameTree
    units : Subgames
    values : numpy.ndarray, shape (N, V, 2)
        Headline value of the subtree at each unit root.
    lotteries : numpy.ndarray or None, shape (N, V, R)
    regrets : numpy.ndarray, shape (N, V)
        Max one-shot deviation gain of the headline in each subtree.
    choice : numpy.ndarray of int, shape (N, V)
        Decision: the headline's action; stage: its equilibrium (an index into the stage's
        solutions); -1 elsewhere.
    stages : dict of int -> StageRecord
        By stage root.
    classes : dict of int -> ClassTable
        By unit root (not for terminals); empty with ``detail="headline"``.
    tie, capped : numpy.ndarray of bool, shape (N,)
        A mover is indifferent in some equilibrium; some unit had more classes than the cap.
    extra_status : numpy.ndarray of int, shape (N,)
        Worst status (0 ok, 1 degenerate, 2 incomplete) of the stage games solved for the
        classes of stages followed by play, beyond the headline's.
    bargains : dict of int -> list
        Bargaining outcomes by node, one per point.
    selection_rule, tol, detail : as passed
    restrict : mapping of infoset -> allowed action indices
    """

    tree: GameTree
    units: Subgames
    values: np.ndarray
    lotteries: np.ndarray | None
    regrets: np.ndarray
    choice: np.ndarray
    stages: dict[int, StageRecord]
    classes: dict[int, ClassTable]
    tie: np.ndarray
    capped: np.ndarray
    bargains: dict[int, list]
    extra_status: np.ndarray
    selection_rule: str
    tol: float
    detail: str
    max_classes: int
    restrict: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    fixed: Mapping[int, Any] = field(default_factory=dict)

    @property
    def batch_size(self) -> int:
        return self.values.shape[0]

    def stage_status(self) -> np.ndarray:
        """Worst stage status per point: 0 ok, 1 degenerate, 2 incomplete (N,)."""
        N = self.batch_size
        worst = self.extra_status.copy()
        for record in self.stages.values():
            status = record.solutions.status_codes.reshape(N, -1)
            worst = np.maximum(worst, status.max(axis=1))
        return worst

    def status(self) -> np.ndarray:
        """``"ok"``, ``"degenerate"`` (a degenerate stage or a tie) or ``"incomplete"`` (a
        stage not certified, or classes capped) per point."""
        worst = self.stage_status()
        worst = np.maximum(worst, np.where(self.tie, 1, 0))
        worst = np.maximum(worst, np.where(self.capped, 2, 0))
        return np.array(["ok", "degenerate", "incomplete"], dtype=object)[worst]

    def one_game_stages(self) -> np.ndarray:
        """Per point: whether some stage needed the one-game enumeration (not batched)."""
        N = self.batch_size
        out = np.zeros(N, dtype=bool)
        for record in self.stages.values():
            out |= record.solutions.one_game.reshape(N, -1).any(axis=1)
        return out


# --------------------------------------------------------------------------- the induction


def backward_induction(
    tree: GameTree,
    *,
    selection_rule: str = "first",
    tol: float = REGRET_TOLERANCE,
    method: str = "enumeration",
    exact: bool | None = None,
    restrict: Mapping[int, tuple[int, ...]] | None = None,
    fixed: Mapping[int, Any] | None = None,
    detail: str = "summary",
    max_classes: int = MAX_CLASSES,
    reuse: Induction | None = None,
    trace_options: Mapping[str, Any] | None = None,
) -> Induction:
    """Backward induction on a batch of trees (see the module docstring).

    Parameters
    ----------
    tree : GameTree
    selection_rule : str
        ``"first"`` or a rule of :mod:`negotiation.solvers.selection` for the headline.
    tol : float
        Payoff tolerance for ties and for verifying stage equilibria.
    method, exact
        Passed to :func:`negotiation.solvers.stage.solve_stages`.
    restrict : mapping of infoset index -> allowed action indices, optional
        Actions a mover may not take (a move forced played or refrained).
    fixed : mapping of infoset index -> behaviour, optional
        Behaviour given at some information sets (shape (k,) or (N, k)); the rest is
        completed by backward induction (used to complete strategic-form equilibria).
    detail : {"headline", "values", "summary"}
        ``"headline"``: the headline only; ``"values"``: also the outcome classes' values
        (ties); ``"summary"``: also counts and representatives.
    max_classes : int
        Cap on the outcome classes kept per unit.
    reuse : Induction, optional
        An induction of the same tree whose stages that end the game are reused (their
        solutions do not depend on ``restrict``).
    trace_options : mapping, optional
        Options of the logit-QRE tracer for the ``logit_qre`` rule.

    Returns
    -------
    Induction

    Examples
    --------
    Entry deterrence: the entrant stays out (0, 2) or enters; the incumbent then fights
    (-1, -1) or accommodates (1, 1). The only subgame-perfect equilibrium is (enter,
    accommodate).

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("entrant", "incumbent"))
    >>> root = b.add_personal(None, 0, "e", ("out", "enter"), "entrant")
    >>> _ = b.add_terminal(root)
    >>> inc = b.add_personal(root, 1, "i", ("fight", "accommodate"), "incumbent")
    >>> _ = b.add_terminal(inc), b.add_terminal(inc)
    >>> result = backward_induction(b.build(np.array([[0., 2.], [-1., -1.], [1., 1.]])))
    >>> result.choice[0, [0, 2]].tolist(), result.values[0, 0].tolist(), result.classes[0].count.tolist()
    ([1, 1], [1.0, 1.0], [[1]])
    """
    if detail not in ("headline", "values", "summary"):
        raise ValueError(f"detail must be 'headline', 'values' or 'summary', got {detail!r}")
    units = reuse.units if reuse is not None and reuse.tree is tree else subgames(tree)
    run = _Run(tree, units, selection_rule, tol, method, exact, dict(restrict or {}), dict(fixed or {}), detail,
               max_classes, reuse if reuse is not None and reuse.tree is tree else None, dict(trace_options or {}))
    for kind, group in units.groups:
        if kind == TERMINAL:
            run.terminals(group)
        elif kind == BARGAIN:
            run.bargain_units(group)
        elif kind == CHANCE:
            for u in group:
                run.chance(int(u))
        elif kind == DECISION:
            plain = np.array([int(tree.infoset[u]) not in run.fixed for u in group])
            if plain.any():
                run.decisions(group[plain])
            for u in group[~plain]:
                run.fixed_decision(int(u))
        elif kind == STAGE:
            stage = units.stages[int(group[0])]
            simple = bool((tree.kind[stage.cells] == TERMINAL).all())
            free = not any(
                s in run.fixed for u in group for s in (int(tree.infoset[u]), units.stages[int(u)].column_infoset)
            )
            if simple and free:
                induction_stages.simple_stages(run, group)
            else:
                for u in group:
                    induction_stages.stage(run, int(u))
    return Induction(
        tree=tree, units=units, values=run.HV, lotteries=run.HL, regrets=run.HR, choice=run.CH,
        stages=run.records, classes=run.tables, tie=run.tie, capped=run.capped, bargains=run.bargain_outcomes,
        extra_status=run.extra_status,
        selection_rule=selection_rule, tol=tol, detail=detail, max_classes=max_classes, restrict=run.restrict,
        fixed=run.fixed,
    )


def _scatter(out: np.ndarray, at: np.ndarray, values: np.ndarray, take: np.ndarray) -> None:
    """``out[:, at] = values[:, take]`` for arrays (N, V, k): each node's k numbers moved as
    one item where the arrays allow (half the time of moving them one by one)."""
    float_rows = out.dtype != object and values.dtype == out.dtype and out.flags.c_contiguous
    if float_rows and values.flags.c_contiguous and out.shape[-1] == values.shape[-1]:
        item = np.dtype((np.void, out.shape[-1] * out.itemsize))
        out.view(item)[..., 0][:, at] = values.view(item)[..., 0][:, take]
    else:
        out[:, at] = values[:, take]


class _Run:
    """State of one induction (arrays indexed by node)."""

    def __init__(self, tree, units, rule, tol, method, exact, restrict, fixed, detail, max_classes, reuse, trace):
        self.tree, self.units, self.rule, self.tol = tree, units, rule, tol
        self.method, self.exact, self.restrict, self.fixed = method, exact, restrict, fixed
        self.detail, self.max_classes, self.reuse, self.trace = detail, max_classes, reuse, trace
        N, V = tree.batch_size, tree.size
        self.N = N
        self.dtype = object if tree.exact else float
        self.R = len(tree.outcome_names) if tree.outcomes is not None else 0
        self.HV = np.zeros((N, V, 2), dtype=self.dtype)
        self.HL = np.zeros((N, V, self.R)) if self.R else None
        self.HR = np.zeros((N, V))
        self.CH = np.full((N, V), -1, dtype=np.int64)
        self.records: dict[int, StageRecord] = {}
        self.tables: dict[int, ClassTable] = {}
        self.tie = np.zeros(N, dtype=bool)
        self.capped = np.zeros(N, dtype=bool)
        self.extra_status = np.zeros(N, dtype=int)
        self.bargain_outcomes: dict[int, list] = {}
        self.classes = detail != "headline"
        self.summary = detail == "summary"

    # ---------------------------------------------------------------- tables

    def table(self, u: int) -> ClassTable:
        """The classes of unit ``u`` (a terminal's one class is made on the fly)."""
        if u in self.tables:
            return self.tables[u]
        N = self.N
        count = np.empty((N, 1), dtype=object)
        count[:] = 1
        return ClassTable(
            value=self.HV[:, u][:, None], lottery=None if self.HL is None else self.HL[:, u][:, None],
            valid=np.ones((N, 1), dtype=bool), regret=self.HR[:, u][:, None], count=count,
            headline=np.zeros(N, dtype=np.int64),
        )

    def gather(self, kids: np.ndarray) -> dict[str, np.ndarray]:
        """Child class tables stacked: kids (U, k) -> arrays (N, U, k, C, ...)."""
        U, k = kids.shape
        tables = [[self.table(int(kids[s, j])) for j in range(k)] for s in range(U)]
        C = max(t.valid.shape[1] for row in tables for t in row)
        N = self.N
        value = np.zeros((N, U, k, C, 2), dtype=self.dtype)
        valid = np.zeros((N, U, k, C), dtype=bool)
        regret = np.zeros((N, U, k, C))
        lottery = np.zeros((N, U, k, C, self.R)) if self.R else None
        count = np.zeros((N, U, k, C), dtype=object) if self.summary else None
        head = np.zeros((N, U, k), dtype=np.int64)
        for s in range(U):
            for j in range(k):
                t = tables[s][j]
                c = t.valid.shape[1]
                value[:, s, j, :c] = t.value
                valid[:, s, j, :c] = t.valid
                regret[:, s, j, :c] = t.regret
                if lottery is not None:
                    lottery[:, s, j, :c] = t.lottery
                if count is not None:
                    count[:, s, j, :c] = t.count
                head[:, s, j] = t.headline
        return {"value": value, "valid": valid, "regret": regret, "lottery": lottery, "count": count, "head": head}

    # ---------------------------------------------------------------- leaves

    def terminals(self, group: np.ndarray) -> None:
        t = self.tree.terminal[group]
        _scatter(self.HV, group, self.tree.payoffs, t)
        if self.HL is not None:
            _scatter(self.HL, group, self.tree.outcomes, t)

    def bargain_units(self, group: np.ndarray) -> None:
        from negotiation.solvers.talks_bargaining import solve_bargaining_problems

        for u in group:
            u = int(u)
            problem = self.tree.bargains[int(self.tree.bargain[u])]
            outcomes = solve_bargaining_problems(problem)
            self.bargain_outcomes[u] = outcomes
            self.HV[:, u] = np.array([o.payoffs for o in outcomes], dtype=float)
            if self.HL is not None:
                self.HL[:, u] = np.array([o.resolution_probabilities for o in outcomes])

    # ---------------------------------------------------------------- decisions

    def allowed(self, group: np.ndarray, k: int) -> np.ndarray:
        out = np.ones((len(group), k), dtype=bool)
        for s, u in enumerate(group):
            keep = self.restrict.get(int(self.tree.infoset[u]))
            if keep is not None:
                out[s] = False
                out[s, list(keep)] = True
        return out

    def decisions(self, group: np.ndarray) -> None:
        tree, tol, N = self.tree, self.tol, self.N
        U = len(group)
        kids = np.stack([tree.children(int(u)) for u in group])  # (U, k)
        k = kids.shape[1]
        player = tree.player[group].astype(np.int64)
        allowed = self.allowed(group, k)
        hv = self.HV[:, kids]  # (N, U, k, 2)
        hvi = player_values(hv, player)  # (N, U, k)
        masked = np.where(allowed[None], hvi, -np.inf)
        best = masked.max(axis=-1)
        optimal = allowed[None] & (hvi >= best[..., None] - tol)
        choice = np.argmax(optimal, axis=-1)  # (N, U)
        self.CH[:, group] = choice
        self.HV[:, group] = take(hv, choice, 2)
        if self.HL is not None:
            self.HL[:, group] = take(self.HL[:, kids], choice, 2)
        child_regret = np.where(allowed[None], self.HR[:, kids], 0.0).max(axis=-1)
        gap = (best - take(hvi, choice, 2)).astype(float)
        self.HR[:, group] = np.maximum(child_regret, gap)
        if not self.classes:
            return
        g = self.gather(kids)
        value, valid = g["value"], g["valid"] & allowed[None, :, :, None]
        vi = player_values(value, player)  # (N, U, k, C)
        C = vi.shape[-1]
        inf = np.inf
        minv = np.where(valid, vi, inf).min(axis=-1)  # (N, U, k)
        minv = np.where(allowed[None], minv, -inf)
        # the largest of the other children's worst classes, for each child
        other = np.empty_like(minv)
        for a in range(k):
            rest = np.delete(minv, a, axis=-1)
            other[..., a] = rest.max(axis=-1) if k > 1 else -inf
        feasible = valid & (other[..., None] <= vi + tol)
        self.tie |= ties(vi, valid, minv, tol).any(axis=1)
        # flatten (a, c), keep the feasible
        flat = feasible.reshape(N, U, k * C)
        action = np.broadcast_to(np.arange(k)[:, None], (k, C)).reshape(-1)
        action = np.broadcast_to(action, (N, U, k * C))
        child_class = np.broadcast_to(np.tile(np.arange(C), k), (N, U, k * C))
        arrays: list = [
            value.reshape(N, U, k * C, 2), None if g["lottery"] is None else g["lottery"].reshape(N, U, k * C, self.R),
            action, child_class,
        ]
        regret = g["regret"]
        if self.summary:
            count, back, regret = decision_summary(vi, valid, allowed, g, tol)
            arrays += [count.reshape(N, U, k * C), back.reshape(N, U, k * C, k)]
        arrays.append(regret.reshape(N, U, k * C))
        order, out, capped = compact(flat, arrays, self.max_classes)
        self.capped |= capped.any(axis=1)
        kept = np.take_along_axis(flat, order, axis=-1)
        # the headline's class: (choice, headline class of that child) in compacted order
        head_flat = choice * C + take(g["head"], choice, 2)
        head = np.argmax(order == head_flat[..., None], axis=-1)
        for s, u in enumerate(group):
            self.tables[int(u)] = ClassTable(
                value=out[0][:, s], lottery=None if out[1] is None else out[1][:, s], valid=kept[:, s],
                regret=out[-1][:, s], count=out[4][:, s] if self.summary else None, action=out[2][:, s],
                back=out[5][:, s] if self.summary else out[3][:, s, :, None], headline=head[:, s],
            )

    def fixed_decision(self, u: int) -> None:
        tree, N = self.tree, self.N
        kids = tree.children(u)
        k = len(kids)
        player = int(tree.player[u])
        beta = np.broadcast_to(np.asarray(self.fixed[int(tree.infoset[u])], dtype=self.dtype), (N, k))
        hv = self.HV[:, kids]  # (N, k, 2)
        value = (beta[..., None] * hv).sum(axis=1)
        self.HV[:, u] = value
        if self.HL is not None:
            self.HL[:, u] = (np.asarray(beta, dtype=float)[..., None] * self.HL[:, kids]).sum(axis=1)
        gap = (hv[..., player].max(axis=1) - value[:, player]).astype(float)
        self.HR[:, u] = np.maximum(self.HR[:, kids].max(axis=1), gap)
        if self.classes:
            self.product_classes(u, kids, beta, player)

    # ---------------------------------------------------------------- chance

    def chance(self, u: int) -> None:
        kids = self.tree.children(u)
        p = self.tree.probabilities[:, kids]  # (N, k)
        self.HV[:, u] = (p[..., None] * self.HV[:, kids]).sum(axis=1)
        if self.HL is not None:
            self.HL[:, u] = (np.asarray(p, dtype=float)[..., None] * self.HL[:, kids]).sum(axis=1)
        self.HR[:, u] = self.HR[:, kids].max(axis=1)
        if self.classes:
            self.product_classes(u, kids, p, None)

    def product_classes(self, u: int, kids: np.ndarray, weights: np.ndarray, player: int | None) -> None:
        """Classes of a node whose children are all played (chance, fixed behaviour): the
        combinations of the children's classes, weighted."""
        N = self.N
        tables = [self.table(int(c)) for c in kids]
        combos, valid, capped = combinations([t.valid for t in tables], self.max_classes)
        self.capped |= capped
        P = combos.shape[0]
        value = np.zeros((N, P, 2), dtype=self.dtype)
        regret = np.zeros((N, P))
        lottery = np.zeros((N, P, self.R)) if self.R else None
        count = np.ones((N, P), dtype=object) if self.summary else None
        best = np.full((N, P), -np.inf, dtype=object if self.dtype is object else float) if player is not None else None
        for j, t in enumerate(tables):
            c = np.broadcast_to(combos[None, :, j], (N, P))
            v = np.take_along_axis(t.value, c[..., None], axis=1)
            value += weights[:, j, None, None] * v
            regret = np.maximum(regret, np.take_along_axis(t.regret, c, axis=1))
            if lottery is not None:
                lottery += np.asarray(weights[:, j, None, None], dtype=float) * np.take_along_axis(t.lottery, c[..., None], axis=1)
            if count is not None:
                count = count * np.take_along_axis(t.count, c, axis=1)
            if player is not None:
                best = np.maximum(best, v[..., player])
        if player is not None:
            regret = np.maximum(regret, (best - value[..., player]).astype(float))
        head = np.zeros(N, dtype=np.int64)
        heads = np.stack([t.headline for t in tables], axis=1)  # (N, k)
        match = (combos[None] == heads[:, None, :]).all(axis=-1) & valid
        head = np.where(match.any(axis=1), np.argmax(match, axis=1), 0)
        self.tables[u] = ClassTable(
            value=value, lottery=lottery, valid=valid, regret=regret, count=count,
            back=np.broadcast_to(combos[None], (N, P, len(kids))).copy(), headline=head,
        )
