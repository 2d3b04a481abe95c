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
from negotiation.solvers.records import REGRET_TOLERANCE
from negotiation.solvers.stage import StageSolutions, solve_stages
from negotiation.solvers.subgames import DECISION, STAGE, Subgames, subgames

__all__ = ["ClassTable", "Induction", "StageRecord", "backward_induction"]

#: Default cap on the outcome classes kept per unit.
MAX_CLASSES = 10_000


@dataclass
class ClassTable:
    """The outcome classes of one unit, for every game of the batch (padded to C).

    Attributes
    ----------
    value : numpy.ndarray, shape (N, C, 2)
    lottery : numpy.ndarray or None, shape (N, C, R)
    valid : numpy.ndarray of bool, shape (N, C)
    regret : numpy.ndarray, shape (N, C)
        Max regret of the class's representative.
    count : numpy.ndarray of object (int) or None, shape (N, C)
        Number of subgame-perfect equilibria of the subtree in the class.
    action : numpy.ndarray of int or None, shape (N, C)
        Decision: the action taken; stage: the stage equilibrium (an index into the
        equilibria of the class's own bimatrix game).
    back : numpy.ndarray of int or None, shape (N, C, k)
        The class of each child (decision, chance) or continuation (stage) in the
        representative.
    headline : numpy.ndarray of int, shape (N,)
        The headline's class.
    row, column : numpy.ndarray or None, shapes (N, C, m) and (N, C, n)
        Stage: the strategies of the class's stage equilibrium (rows are the stage root
        player's actions).
    """

    value: np.ndarray
    lottery: np.ndarray | None
    valid: np.ndarray
    regret: np.ndarray
    count: np.ndarray | None = None
    action: np.ndarray | None = None
    back: np.ndarray | None = None
    headline: np.ndarray | None = None
    row: np.ndarray | None = None
    column: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class StageRecord:
    """The stages of one group, solved: games ``i * U + j`` for point ``i`` and unit ``units[j]``.

    For a stage below which play goes on, ``units`` has one element and the games are the
    headline's bimatrix game at each point.
    """

    units: np.ndarray
    A: np.ndarray  # (G, m, n), row player = the stage root's player
    B: np.ndarray
    solutions: StageSolutions
    index: np.ndarray  # (G,) headline equilibrium
    selections: Any = None  # negotiation.solvers.selection.Selections or None

    def game(self, point: int, unit: int) -> int:
        j = int(np.flatnonzero(self.units == unit)[0])
        return point * len(self.units) + j


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
        code = {"ok": 0, "degenerate": 1, "incomplete": 2}
        for record in self.stages.values():
            status = np.array([code[s] for s in record.solutions.status]).reshape(N, -1)
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


# --------------------------------------------------------------------------- helpers


def _take(a: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    """``a`` indexed along ``axis`` by ``index`` (which has a's shape up to that axis)."""
    idx = np.expand_dims(index, axis)
    while idx.ndim < a.ndim:
        idx = idx[..., None]
    return np.take_along_axis(a, idx, axis=axis).squeeze(axis)


def _player_values(values: np.ndarray, player: np.ndarray) -> np.ndarray:
    """values (..., U, ..., 2) at the player of each unit; ``player`` (U,) on axis 1."""
    shape = [1] * values.ndim
    shape[1] = len(player)
    return np.take_along_axis(values, np.asarray(player).reshape(shape), axis=-1)[..., 0]


def _neg_inf(dtype) -> Any:
    return -np.inf


def _compact(flags: np.ndarray, arrays: list[np.ndarray | None], cap: int) -> tuple[np.ndarray, list, np.ndarray]:
    """Keep, per row of ``flags`` (..., L), the flagged entries first (in order); cut to the
    largest count (at most ``cap``). Returns (positions of kept entries, compacted arrays,
    whether a row had more than ``cap``)."""
    order = np.argsort(~flags, axis=-1, kind="stable")
    counts = flags.sum(axis=-1)
    C = max(int(counts.max(initial=0)), 1)
    capped = counts > cap
    C = min(C, cap)
    order = order[..., :C]
    out = []
    for a in arrays:
        if a is None:
            out.append(None)
            continue
        idx = order
        while idx.ndim < a.ndim:
            idx = idx[..., None]
        out.append(np.take_along_axis(a, idx, axis=flags.ndim - 1))
    return order, out, capped


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
                run.simple_stages(group)
            else:
                for u in group:
                    run.stage(int(u))
    return Induction(
        tree=tree, units=units, values=run.HV, lotteries=run.HL, regrets=run.HR, choice=run.CH,
        stages=run.records, classes=run.tables, tie=run.tie, capped=run.capped, bargains=run.bargain_outcomes,
        extra_status=run.extra_status,
        selection_rule=selection_rule, tol=tol, detail=detail, max_classes=max_classes, restrict=run.restrict,
        fixed=run.fixed,
    )


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
        self.HV[:, group] = self.tree.payoffs[:, t]
        if self.HL is not None:
            self.HL[:, group] = self.tree.outcomes[:, t]

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
        hvi = _player_values(hv, player)  # (N, U, k)
        masked = np.where(allowed[None], hvi, -np.inf)
        best = masked.max(axis=-1)
        optimal = allowed[None] & (hvi >= best[..., None] - tol)
        choice = np.argmax(optimal, axis=-1)  # (N, U)
        self.CH[:, group] = choice
        self.HV[:, group] = _take(hv, choice, 2)
        if self.HL is not None:
            self.HL[:, group] = _take(self.HL[:, kids], choice, 2)
        child_regret = np.where(allowed[None], self.HR[:, kids], 0.0).max(axis=-1)
        gap = (best - _take(hvi, choice, 2)).astype(float)
        self.HR[:, group] = np.maximum(child_regret, gap)
        if not self.classes:
            return
        g = self.gather(kids)
        value, valid = g["value"], g["valid"] & allowed[None, :, :, None]
        vi = _player_values(value, player)  # (N, U, k, C)
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
        self.tie |= _ties(vi, valid, minv, tol).any(axis=1)
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
            count, back, regret = _decision_summary(vi, valid, allowed, g, tol)
            arrays += [count.reshape(N, U, k * C), back.reshape(N, U, k * C, k)]
        arrays.append(regret.reshape(N, U, k * C))
        order, out, capped = _compact(flat, arrays, self.max_classes)
        self.capped |= capped.any(axis=1)
        kept = np.take_along_axis(flat, order, axis=-1)
        # the headline's class: (choice, headline class of that child) in compacted order
        head_flat = choice * C + _take(g["head"], choice, 2)
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
        combos, valid, capped = _combinations([t.valid for t in tables], self.max_classes)
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

    # ---------------------------------------------------------------- stages

    def solve(self, A: np.ndarray, B: np.ndarray) -> tuple[StageSolutions, np.ndarray, Any]:
        solutions = solve_stages(A, B, tol=self.tol, method=self.method, exact=self.exact)
        if self.rule == "first" or not len(solutions.count):
            return solutions, np.zeros(len(solutions.count), dtype=np.int64), None
        from negotiation.solvers.selection import select_equilibria

        chosen = select_equilibria(self.rule, A, B, solutions.row, solutions.column, solutions.valid,
                                   **self.trace)
        return solutions, chosen.index, chosen

    def simple_stages(self, group: np.ndarray) -> None:
        tree, N = self.tree, self.N
        U = len(group)
        stages = [self.units.stages[int(u)] for u in group]
        cells = np.stack([st.cells for st in stages])  # (U, m, n)
        m, n = cells.shape[1:]
        pr = stages[0].row_player
        pc = 1 - pr
        payoffs = tree.payoffs[:, tree.terminal[cells]]  # (N, U, m, n, 2)
        A = payoffs[..., pr].reshape(N * U, m, n)
        B = payoffs[..., pc].reshape(N * U, m, n)
        old = self.reuse.stages.get(int(group[0])) if self.reuse is not None else None
        if old is not None and np.array_equal(old.units, group):
            record = old
        else:
            solutions, index, chosen = self.solve(A, B)
            record = StageRecord(group, A, B, solutions, index, chosen)
        for u in group:
            self.records[int(u)] = record
        sol, e = record.solutions, record.index
        G = N * U
        u_eq = sol.payoffs(A, B)  # (G, E, 2) in (row, column)
        E = u_eq.shape[1]
        value = np.empty((G, E, 2), dtype=u_eq.dtype)
        value[..., pr], value[..., pc] = u_eq[..., 0], u_eq[..., 1]
        self.HV[:, group] = value[np.arange(G), e].reshape(N, U, 2)
        self.HR[:, group] = sol.max_regret[np.arange(G), e].reshape(N, U)
        self.CH[:, group] = e.reshape(N, U)
        lottery = None
        if self.HL is not None:
            L = tree.outcomes[:, tree.terminal[cells]].reshape(G, m, n, self.R)
            xf, yf = np.asarray(sol.row, dtype=float), np.asarray(sol.column, dtype=float)
            lottery = np.einsum("gea,geb,gabr->ger", xf, yf, L)  # (G, E, R)
            self.HL[:, group] = lottery[np.arange(G), e].reshape(N, U, self.R)
        if not self.classes:
            return
        count = None
        if self.summary:
            count = np.zeros((G, E), dtype=object)
            count[sol.valid] = 1
        valid = sol.valid.reshape(N, U, E)
        for s, u in enumerate(group):
            rows = np.arange(N) * U + s
            self.tables[int(u)] = ClassTable(
                value=value[rows], lottery=None if lottery is None else lottery[rows], valid=valid[:, s],
                regret=sol.max_regret[rows], count=None if count is None else count[rows],
                action=np.broadcast_to(np.arange(E), (N, E)).copy(), headline=e.reshape(N, U)[:, s],
                row=sol.row[rows], column=sol.column[rows],
            )

    def stage(self, u: int) -> None:
        """A stage with play after it, or with fixed behaviour: one unit at a time."""
        tree, N, units = self.tree, self.N, self.units
        st = units.stages[u]
        m, n = st.shape
        pr, pc = st.row_player, st.column_player
        cells = st.cells
        conts = np.unique(cells)
        row_fixed = self.fixed.get(int(tree.infoset[u]))
        col_fixed = self.fixed.get(st.column_infoset)

        def bimatrix(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return values[..., pr], values[..., pc]  # values (..., m, n, 2)

        # the headline: continuation headlines
        A, B = bimatrix(self.HV[:, cells])  # (N, m, n)
        x, y, regret, solutions, index, chosen = self.stage_profiles(A, B, row_fixed, col_fixed)
        if solutions is not None:
            self.records[u] = StageRecord(np.array([u]), A, B, solutions, index, chosen)
        self.CH[:, u] = index
        self.HV[:, u, pr] = (x[:, :, None] * A * y[:, None, :]).sum(axis=(1, 2))
        self.HV[:, u, pc] = (x[:, :, None] * B * y[:, None, :]).sum(axis=(1, 2))
        if self.HL is not None:
            self.HL[:, u] = np.einsum("na,nb,nabr->nr", np.asarray(x, float), np.asarray(y, float), self.HL[:, cells])
        self.HR[:, u] = np.maximum(regret, self.HR[:, conts].max(axis=1))
        if not self.classes:
            return
        tables = [self.table(int(c)) for c in conts]
        combos, cvalid, capped = _combinations([t.valid for t in tables], self.max_classes)
        self.capped |= capped
        P = combos.shape[0]
        position = {int(c): j for j, c in enumerate(conts)}
        cell_index = np.vectorize(position.get)(cells)  # (m, n) -> continuation position
        values = np.zeros((N, P, m, n, 2), dtype=self.dtype)
        lotteries = np.zeros((N, P, m, n, self.R)) if self.R else None
        child_regret = np.zeros((N, P))
        count = np.ones((N, P), dtype=object) if self.summary else None
        for j, t in enumerate(tables):
            c = np.broadcast_to(combos[None, :, j], (N, P))
            v = np.take_along_axis(t.value, c[..., None], axis=1)  # (N, P, 2)
            where = cell_index == j
            values[:, :, where] = v[:, :, None]
            if lotteries is not None:
                lotteries[:, :, where] = np.take_along_axis(t.lottery, c[..., None], axis=1)[:, :, None]
            child_regret = np.maximum(child_regret, np.take_along_axis(t.regret, c, axis=1))
            if count is not None:
                count = count * np.take_along_axis(t.count, c, axis=1)
        Ap, Bp = bimatrix(values.reshape(N * P, m, n, 2))
        xs, ys, regrets, sols, _, _ = self.stage_profiles(Ap, Bp, row_fixed, col_fixed, all_profiles=True)
        if sols is not None:
            code = {"ok": 0, "degenerate": 1, "incomplete": 2}
            status = np.array([code[x] for x in sols.status]).reshape(N, P)
            status = np.where(cvalid, status, 0)
            self.extra_status = np.maximum(self.extra_status, status.max(axis=1))
        # xs (N*P, E, m): every equilibrium (or best response) of each combination
        E = xs.shape[1]
        ok = (cvalid.reshape(N * P)[:, None]) & (np.isfinite(regrets) if regrets.dtype != object else True)
        if sols is not None:
            ok = ok & sols.valid
        ua = (xs[..., :, None] * Ap[:, None] * ys[..., None, :]).sum(axis=(-1, -2))
        ub = (xs[..., :, None] * Bp[:, None] * ys[..., None, :]).sum(axis=(-1, -2))
        val = np.zeros((N * P, E, 2), dtype=self.dtype)
        val[..., pr], val[..., pc] = ua, ub
        flags = ok.reshape(N, P * E)
        arrays = [
            val.reshape(N, P * E, 2),
            None if lotteries is None else np.einsum(
                "kea,keb,kabr->ker", np.asarray(xs, float), np.asarray(ys, float), lotteries.reshape(N * P, m, n, self.R)
            ).reshape(N, P * E, self.R),
            np.maximum(np.where(np.isfinite(regrets.astype(float)), regrets.astype(float), 0.0),
                       child_regret.reshape(N * P)[:, None]).reshape(N, P * E),
            np.broadcast_to(np.arange(E), (N, P, E)).reshape(N, P * E),
            np.broadcast_to(combos[None, :, None, :], (N, P, E, len(conts))).reshape(N, P * E, len(conts)),
            None if count is None else np.broadcast_to(count[:, :, None], (N, P, E)).reshape(N, P * E),
            xs.reshape(N, P * E, m),
            ys.reshape(N, P * E, n),
        ]
        order, out, capped = _compact(flags, arrays, self.max_classes)
        self.capped |= capped
        kept = np.take_along_axis(flags, order, axis=-1)
        heads = np.stack([t.headline for t in tables], axis=1)  # (N, K)
        head_combo = np.argmax((combos[None] == heads[:, None, :]).all(axis=-1), axis=1)  # (N,)
        head = np.argmax(order == (head_combo * E + np.maximum(index, 0))[:, None], axis=-1)
        self.tables[u] = ClassTable(
            value=out[0], lottery=out[1], valid=kept, regret=out[2], count=out[5], action=out[3], back=out[4],
            headline=head, row=out[6], column=out[7],
        )

    def stage_profiles(self, A, B, row_fixed, col_fixed, all_profiles: bool = False):
        """The stage's candidate profiles: its equilibria, or best responses to a fixed side.

        Returns (x, y, regret, solutions, index, chosen): the headline profile (or, with
        ``all_profiles``, every candidate, shapes (G, E, .)) and its max regret."""
        G, m, n = A.shape
        if row_fixed is None and col_fixed is None:
            solutions, index, chosen = self.solve(A, B)
            if all_profiles:
                return solutions.row, solutions.column, np.where(solutions.valid, solutions.max_regret, np.inf), solutions, index, chosen
            rows = np.arange(G)
            return (solutions.row[rows, index], solutions.column[rows, index], solutions.max_regret[rows, index],
                    solutions, index, chosen)
        one = 1 if self.dtype is object else 1.0
        if row_fixed is not None and col_fixed is not None:
            x = np.broadcast_to(np.asarray(row_fixed, dtype=self.dtype), (G, m))
            y = np.broadcast_to(np.asarray(col_fixed, dtype=self.dtype), (G, n))
            gap = _stage_gap(A, B, x, y)
            if all_profiles:
                return x[:, None], y[:, None], gap[:, None], None, np.zeros(G, dtype=np.int64), None
            return x, y, gap, None, np.zeros(G, dtype=np.int64), None
        # one side fixed: each pure best response of the other
        if row_fixed is not None:
            x = np.broadcast_to(np.asarray(row_fixed, dtype=self.dtype), (G, m))
            values = (x[:, :, None] * B).sum(axis=1)  # (G, n)
            best = values.max(axis=1)
            optimal = values >= best[:, None] - self.tol
            ys = np.zeros((G, n, n), dtype=self.dtype)
            ys[:, np.arange(n), np.arange(n)] = one
            xs = np.broadcast_to(x[:, None], (G, n, m))
        else:
            y = np.broadcast_to(np.asarray(col_fixed, dtype=self.dtype), (G, n))
            values = (A * y[:, None, :]).sum(axis=2)  # (G, m)
            best = values.max(axis=1)
            optimal = values >= best[:, None] - self.tol
            xs = np.zeros((G, m, m), dtype=self.dtype)
            xs[:, np.arange(m), np.arange(m)] = one
            ys = np.broadcast_to(y[:, None], (G, m, n))
        first = np.argmax(optimal, axis=1)
        gaps = np.stack([_stage_gap(A, B, xs[:, e], ys[:, e]) for e in range(xs.shape[1])], axis=1)
        gaps = np.where(optimal, gaps, np.inf)
        if all_profiles:
            return xs, ys, gaps, None, first, None
        rows = np.arange(G)
        return xs[rows, first], ys[rows, first], gaps[rows, first], None, first, None


def _stage_gap(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Max regret of profiles (x, y) in stacks of bimatrix games (exact where they are)."""
    row_values = (A * y[:, None, :]).sum(axis=2)
    column_values = (x[:, :, None] * B).sum(axis=1)
    row = row_values.max(axis=1) - (x * row_values).sum(axis=1)
    column = column_values.max(axis=1) - (y * column_values).sum(axis=1)
    return np.maximum(np.maximum(row, column), 0 * row).astype(float)


def _ties(vi: np.ndarray, valid: np.ndarray, minv: np.ndarray, tol: float) -> np.ndarray:
    """Whether some equilibrium makes the mover indifferent, per (N, U).

    Two children a, b tie when classes of theirs are within ``tol`` of each other and at
    least as good, up to ``tol``, as every other child's worst class."""
    N, U, k, C = vi.shape
    tie = np.zeros((N, U), dtype=bool)
    if k < 2:
        return tie
    if k == 2:
        # sorted together, two values within tol from different children are adjacent
        both = np.concatenate([np.where(valid[:, :, 0], vi[:, :, 0], np.inf), np.where(valid[:, :, 1], vi[:, :, 1], np.inf)], axis=-1)
        side = np.concatenate([np.zeros(C, dtype=np.int8), np.ones(C, dtype=np.int8)])
        order = np.argsort(both, axis=-1, kind="stable")
        v = np.take_along_axis(both, order, axis=-1)
        sd = side[order]
        finite = (v[..., 1:] != np.inf) & (v[..., :-1] != np.inf)
        with np.errstate(invalid="ignore"):
            close = finite & (sd[..., 1:] != sd[..., :-1]) & ((v[..., 1:] - v[..., :-1]) <= tol)
        return close.any(axis=-1)
    for a in range(k):
        for b in range(a + 1, k):
            others = [d for d in range(k) if d not in (a, b)]
            bar = minv[..., others].max(axis=-1)  # (N, U)
            va = np.where(valid[:, :, a], vi[:, :, a], np.nan)[..., :, None]
            vb = np.where(valid[:, :, b], vi[:, :, b], np.nan)[..., None, :]
            with np.errstate(invalid="ignore"):
                close = (np.abs(va - vb) <= tol) & (np.minimum(va, vb) + tol >= bar[..., None, None])
            tie |= close.any(axis=(-1, -2))
    return tie


def _decision_summary(vi, valid, allowed, g, tol):
    """Counts, representatives and regrets of the (a, c) classes of a decision group."""
    N, U, k, C = vi.shape
    counts = np.where(valid, g["count"], 0)
    total = np.empty((N, U, k, C), dtype=object)
    total[:] = 1
    head = g["head"]
    back = np.zeros((N, U, k, C, k), dtype=np.int64)
    regret = g["regret"].copy()
    argmin = np.argmin(np.where(valid, vi, np.inf), axis=-1)  # (N, U, k)
    for a in range(k):
        back[:, :, a, :, a] = np.arange(C)
        query = vi[:, :, a] + tol  # (N, U, C)
        for b in range(k):
            if b == a or not allowed[:, b].any():
                continue
            weight = _at_most(np.where(valid[:, :, b], vi[:, :, b], np.inf), counts[:, :, b], query)
            total[:, :, a] = total[:, :, a] * np.where(allowed[None, :, b, None], weight, 1)
            hb = _take(vi[:, :, b], head[:, :, b], 2)  # (N, U)
            pick = np.where(hb[..., None] <= query, head[:, :, b, None], argmin[:, :, b, None])
            back[:, :, a, :, b] = pick
            picked = np.take_along_axis(vi[:, :, b], pick, axis=-1)
            gap = np.maximum((picked - vi[:, :, a]).astype(float), 0.0)
            other_regret = np.take_along_axis(g["regret"][:, :, b], pick, axis=-1)
            regret[:, :, a] = np.where(allowed[None, :, b, None], np.maximum(regret[:, :, a], np.maximum(gap, other_regret)), regret[:, :, a])
    return counts * total, back, regret


def _at_most(values: np.ndarray, weights: np.ndarray, query: np.ndarray) -> np.ndarray:
    """For each query q, the total weight of the values <= q (along the last axis, batched)."""
    C = values.shape[-1]
    keys = np.concatenate([values, query], axis=-1)
    flag = np.concatenate([np.zeros(values.shape, dtype=np.int8), np.ones(query.shape, dtype=np.int8)], axis=-1)
    order = np.lexsort((flag, keys), axis=-1)
    w = np.concatenate([weights, np.zeros(query.shape, dtype=object)], axis=-1)
    cumulative = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1)
    position = np.argsort(order, axis=-1)[..., C:]
    return np.take_along_axis(cumulative, position, axis=-1)


def _combinations(valids: list[np.ndarray], cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every combination of one class per child: indices (P, k), their validity (N, P), and
    whether a point had more than ``cap`` valid combinations (then cut)."""
    sizes = [v.shape[1] for v in valids]
    N = valids[0].shape[0]
    total = int(np.prod(sizes, dtype=float))
    capped = np.zeros(N, dtype=bool)
    if total > 4 * cap:  # too many to list: keep the first combinations of valid classes
        capped[:] = True
        grids = np.array(np.unravel_index(np.arange(min(total, cap)), sizes)).T
    else:
        grids = np.array(np.unravel_index(np.arange(total), sizes)).T  # (P, k)
    valid = np.ones((N, len(grids)), dtype=bool)
    for j, v in enumerate(valids):
        valid &= v[:, grids[:, j]]
    counts = valid.sum(axis=1)
    capped |= counts > cap
    return grids.astype(np.int64), valid, capped
