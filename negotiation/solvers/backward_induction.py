r"""Subgame-perfect equilibria of game trees by backward induction.

At a talks stage (a simultaneous bimatrix game) every Nash equilibrium is a candidate
continuation; at a perfect-information decision node the mover picks an action that
maximises its continuation payoff; at a chance node payoffs are averaged. A profile that
does this at every node, on and off the equilibrium path, is subgame perfect (Selten 1965,
1975). Because a stage may have several equilibria and a mover may be indifferent,
a tree may have many subgame-perfect equilibria: all of them are enumerated (up to a
cap), and a *headline* one is chosen by a named selection rule at each stage and by
taking the first optimal action (in the node's action order) at a tie.

Only pure choices at decision nodes are enumerated: where a mover is indifferent, any
mixture of its optimal actions is subgame perfect too, and the result says so in its
notes.

References
----------
Selten, R. (1975). Reexamination of the perfectness concept for equilibrium points in
extensive games. *International Journal of Game Theory* 4, 25–55.
Osborne & Rubinstein, *A Course in Game Theory* (1994), Proposition 99.2 (Kuhn's theorem).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from negotiation.equilibrium import REGRET_TOLERANCE, MixedEquilibrium, NashResult, Status
from negotiation.games import BargainingStage, Chance, Decision, Node, StageGame, Terminal

if TYPE_CHECKING:
    from negotiation.solvers.talks_bargaining import BargainingOutcome

StageSolver = Callable[[np.ndarray, np.ndarray], NashResult]
BargainingSolver = Callable[[BargainingStage], "BargainingOutcome"]
StageSelector = Callable[[np.ndarray, np.ndarray, Sequence[tuple[np.ndarray, np.ndarray]]], int]

Path = tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)
class StagePlay:
    """The equilibrium played at one talks stage of a subgame-perfect equilibrium.

    Attributes
    ----------
    path : tuple of (node label, action)
        The history leading to the stage.
    label : str
        The stage's label.
    equilibrium_index : int
        Index of the equilibrium in the stage's :class:`NashResult`.
    equilibrium : MixedEquilibrium
    resolution_probabilities : numpy.ndarray or None
        Probabilities of truce, deadlock, escalation under this equilibrium.
    """

    path: Path
    label: str
    equilibrium_index: int
    equilibrium: MixedEquilibrium
    resolution_probabilities: np.ndarray | None


@dataclass(frozen=True, eq=False)
class BargainPlay:
    """The bargaining outcome at one talks stage (bargaining protocol)."""

    path: Path
    label: str
    outcome: BargainingOutcome

    @property
    def resolution_probabilities(self) -> np.ndarray:
        return self.outcome.resolution_probabilities


@dataclass(frozen=True, eq=False)
class SubgamePerfectEquilibrium:
    """One subgame-perfect equilibrium of a tree.

    Attributes
    ----------
    decisions : tuple of (path, action)
        The action chosen at every decision node (identified by its path), on and off
        the equilibrium path.
    stages : tuple of StagePlay
        The equilibrium played at every talks stage, on and off the path.
    payoffs : tuple of float
        Expected payoff of each player.
    resolution_probabilities : numpy.ndarray or None
        Probability of truce, deadlock, escalation on the equilibrium path.
    path : tuple of (node label, action)
        Actions taken on the equilibrium path (decision nodes only; chance nodes
        branch).
    max_regret : float
        The largest gain any player could get by a one-shot deviation anywhere in the
        tree (at a stage: the stage equilibrium's max regret; at a decision node: the best
        action's continuation value minus the chosen one's). By the one-shot deviation
        principle, zero exactly at a subgame-perfect equilibrium.
    bargains : tuple of BargainPlay
        The outcome of every bargaining stage, on and off the path (bargaining protocol).
    """

    decisions: tuple[tuple[Path, str], ...]
    stages: tuple[StagePlay, ...]
    payoffs: tuple[float, float]
    resolution_probabilities: np.ndarray | None
    path: Path
    max_regret: float = 0.0
    bargains: tuple[BargainPlay, ...] = ()

    def stage_on_path(self) -> StagePlay | None:
        """The talks stage reached on the equilibrium path, if the path is deterministic."""
        for stage in self.stages:
            if stage.path == self.path:
                return stage
        return None

    def bargain_on_path(self) -> BargainPlay | None:
        """The bargaining stage reached on the equilibrium path, if any."""
        for bargain in self.bargains:
            if bargain.path == self.path:
                return bargain
        return None


@dataclass(frozen=True, eq=False)
class BackwardInductionResult:
    """Every subgame-perfect equilibrium found, the headline one and the verdict on trust.

    Attributes
    ----------
    equilibria : tuple of SubgamePerfectEquilibrium
        All enumerated (at most the cap), in a deterministic order.
    headline : SubgamePerfectEquilibrium
        Chosen by ``selection_rule`` at each stage and first-optimal-action at ties.
    selection_rule : str
    status : {"ok", "degenerate", "incomplete"}
        ``"degenerate"`` when some stage is degenerate (its equilibria are extreme points
        of components) or a mover is indifferent; ``"incomplete"`` when the cap was hit
        or a stage solver could not certify its answer.
    stage_results : tuple of (path, label, NashResult)
        The solver's result for every talks stage.
    notes : tuple of str
    """

    equilibria: tuple[SubgamePerfectEquilibrium, ...]
    headline: SubgamePerfectEquilibrium
    selection_rule: str
    status: Status
    stage_results: tuple[tuple[Path, str, NashResult], ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Partial:
    payoffs: np.ndarray
    probabilities: np.ndarray | None
    decisions: tuple[tuple[Path, str], ...]
    stages: tuple[StagePlay, ...]
    path: Path
    regret: float = 0.0
    bargains: tuple[BargainPlay, ...] = ()


def _stage_resolution(stage: StageGame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.einsum("a,b,abk->k", x, y, stage.resolution_probabilities)


def subgame_perfect_equilibria(
    root: Node,
    *,
    stage_solver: StageSolver | None = None,
    selector: StageSelector | None = None,
    bargaining_solver: BargainingSolver | None = None,
    selection_rule: str = "first",
    tol: float = REGRET_TOLERANCE,
    max_equilibria: int = 10_000,
) -> BackwardInductionResult:
    """All subgame-perfect equilibria of a tree, and a headline one.

    Parameters
    ----------
    root : Node
        The game tree (:mod:`negotiation.games`).
    stage_solver : callable, optional
        ``(A, B) -> NashResult``; by default
        :func:`negotiation.solvers.normal_form.nash_equilibria` with tolerance ``tol``.
    selector : callable, optional
        ``(A, B, [(x, y), ...]) -> index`` choosing the headline stage equilibrium; by
        default the first.
    bargaining_solver : callable, optional
        ``BargainingStage -> BargainingOutcome``; by default
        :func:`negotiation.solvers.talks_bargaining.solve_bargaining_stage`.
    selection_rule : str
        Name recorded for ``selector``.
    tol : float
        Payoff tolerance for ties at decision nodes.
    max_equilibria : int
        Cap on the number of equilibria enumerated in any subtree.

    Returns
    -------
    BackwardInductionResult

    Examples
    --------
    Entry deterrence: the entrant stays out (0 for it, 2 for the incumbent) or enters;
    the incumbent then fights (-1, -1) or accommodates (1, 1). The only subgame-perfect
    equilibrium is (enter, accommodate).

    >>> from negotiation.games import Decision, Terminal
    >>> tree = Decision(0, ("out", "enter"), (
    ...     Terminal((0.0, 2.0)),
    ...     Decision(1, ("fight", "accommodate"), (Terminal((-1.0, -1.0)), Terminal((1.0, 1.0))),
    ...              label="incumbent")), label="entrant")
    >>> result = subgame_perfect_equilibria(tree)
    >>> [e.path for e in result.equilibria]
    [(('entrant', 'enter'), ('incumbent', 'accommodate'))]
    """
    if stage_solver is None:
        from negotiation.solvers.normal_form import nash_equilibria

        def stage_solver(A: np.ndarray, B: np.ndarray) -> NashResult:
            return nash_equilibria(A, B, tol=tol)

    if bargaining_solver is None:
        from negotiation.solvers.talks_bargaining import solve_bargaining_stage as bargaining_solver

    stage_results: list[tuple[Path, str, NashResult]] = []
    notes: list[str] = []
    flags = {"capped": False, "tie": False}

    def solve(node: Node, path: Path) -> tuple[list[_Partial], _Partial]:
        if isinstance(node, Terminal):
            probabilities = (
                None
                if node.resolution_probabilities is None
                else np.asarray(node.resolution_probabilities, dtype=float)
            )
            leaf = _Partial(np.asarray(node.payoffs, dtype=float), probabilities, (), (), ())
            return [leaf], leaf
        if isinstance(node, StageGame):
            return solve_stage(node, path)
        if isinstance(node, BargainingStage):
            play = BargainPlay(path, node.label, bargaining_solver(node))
            leaf = _Partial(np.asarray(play.outcome.payoffs), play.resolution_probabilities, (), (), (), 0.0, (play,))
            return [leaf], leaf
        if isinstance(node, Chance):
            return solve_chance(node, path)
        if isinstance(node, Decision):
            return solve_decision(node, path)
        raise TypeError(f"not a game-tree node: {node!r}")

    def solve_stage(node: StageGame, path: Path) -> tuple[list[_Partial], _Partial]:
        result = stage_solver(node.A, node.B)
        stage_results.append((path, node.label, result))
        if not result.equilibria:
            raise ValueError(f"stage {node.label!r}: the solver returned no equilibrium")
        partials = []
        for index, eq in enumerate(result.equilibria):
            play = StagePlay(path, node.label, index, eq, _stage_resolution(node, eq.row, eq.column))
            partials.append(
                _Partial(np.asarray(eq.payoffs), play.resolution_probabilities, (), (play,), (), eq.max_regret)
            )
        chosen = 0
        if selector is not None and len(result.equilibria) > 1:
            chosen = selector(node.A, node.B, [(e.row, e.column) for e in result.equilibria])
        return partials, partials[chosen]

    def combinations(children_partials: list[list[_Partial]]) -> list[tuple[_Partial, ...]]:
        total = int(np.prod([len(p) for p in children_partials], dtype=float))
        if total > max_equilibria:
            flags["capped"] = True
        return list(itertools.islice(itertools.product(*children_partials), max_equilibria))

    def solve_chance(node: Chance, path: Path) -> tuple[list[_Partial], _Partial]:
        solved = [solve(child, path + ((node.label, a),)) for a, child in zip(node.actions, node.children, strict=True)]
        p = np.asarray(node.probabilities, dtype=float)

        def mix(parts: Sequence[_Partial]) -> _Partial:
            probabilities = None
            if all(part.probabilities is not None for part in parts):
                probabilities = sum(w * part.probabilities for w, part in zip(p, parts, strict=True))
            return _Partial(
                sum(w * part.payoffs for w, part in zip(p, parts, strict=True)),
                probabilities,
                tuple(d for part in parts for d in part.decisions),
                tuple(s for part in parts for s in part.stages),
                (),
                max(part.regret for part in parts),
                tuple(b for part in parts for b in part.bargains),
            )

        every = [mix(combo) for combo in combinations([s[0] for s in solved])]
        return every, mix([s[1] for s in solved])

    def solve_decision(node: Decision, path: Path) -> tuple[list[_Partial], _Partial]:
        solved = [
            solve(child, path + ((node.label, a),))
            for a, child in zip(node.actions, node.children, strict=True)
        ]

        def choose(parts: Sequence[_Partial], action_index: int) -> _Partial:
            chosen = parts[action_index]
            gap = max(part.payoffs[node.player] for part in parts) - chosen.payoffs[node.player]
            return _Partial(
                chosen.payoffs,
                chosen.probabilities,
                ((path, node.actions[action_index]),) + tuple(d for part in parts for d in part.decisions),
                tuple(s for part in parts for s in part.stages),
                ((node.label, node.actions[action_index]),) + chosen.path,
                max([gap, *(part.regret for part in parts)]),
                tuple(b for part in parts for b in part.bargains),
            )

        def optimal(parts: Sequence[_Partial]) -> list[int]:
            values = [part.payoffs[node.player] for part in parts]
            best = max(values)
            return [i for i, v in enumerate(values) if v >= best - tol]

        every = []
        for combo in combinations([s[0] for s in solved]):
            best = optimal(combo)
            if len(best) > 1:
                flags["tie"] = True
            every.extend(choose(combo, i) for i in best)
        if len(every) > max_equilibria:
            flags["capped"] = True
            every = every[:max_equilibria]
        headline_parts = [s[1] for s in solved]
        return every, choose(headline_parts, optimal(headline_parts)[0])

    every, headline = solve(root, ())

    def finish(part: _Partial) -> SubgamePerfectEquilibrium:
        return SubgamePerfectEquilibrium(
            decisions=part.decisions,
            stages=part.stages,
            payoffs=(float(part.payoffs[0]), float(part.payoffs[1])),
            resolution_probabilities=part.probabilities,
            path=part.path,
            max_regret=float(part.regret),
            bargains=part.bargains,
        )

    statuses = {result.status for _, _, result in stage_results}
    status: Status = "ok"
    if "degenerate" in statuses or flags["tie"]:
        status = "degenerate"
    if "incomplete" in statuses or flags["capped"]:
        status = "incomplete"
    if flags["capped"]:
        notes.append(f"more than {max_equilibria} subgame-perfect equilibria: list truncated")
    if flags["tie"]:
        notes.append(
            "a mover is indifferent between actions somewhere in the tree: each optimal action "
            "gives an equilibrium (mixtures of them are subgame perfect too); the headline "
            "takes the first optimal action in the node's order"
        )
    for _, label, result in stage_results:
        if result.status != "ok":
            notes.append(f"stage '{label or 'talks'}' is {result.status}: " + "; ".join(result.notes))
    return BackwardInductionResult(
        equilibria=tuple(finish(part) for part in every),
        headline=finish(headline),
        selection_rule=selection_rule,
        status=status,
        stage_results=tuple(stage_results),
        notes=tuple(notes),
    )
