r"""Every subgame-perfect equilibrium of an extensive game, and its other Nash equilibria.

Model
-----
A two-player extensive game :math:`\Gamma` is a :class:`negotiation.model.tree.GameTree`
(a Gambit ``.efg`` file becomes one with :func:`negotiation.io.efg_tree.efg_game_tree`).
A *behaviour strategy* :math:`\beta_i` gives a distribution :math:`\beta_i(\cdot \mid I)`
over the actions of each of player :math:`i`'s information sets :math:`I`; profiles are
written ``[player][information set][action]``, each player's sets in order of appearance
(a file's order). A profile is *subgame perfect* (Selten 1965, 1975) if it induces a Nash
equilibrium in every subgame.

Supported games are those of :mod:`negotiation.solvers.subgames`: perfect information
and simultaneous moves inside subgames (anything else raises
:class:`UnsupportedGameError` naming the information set).

Algorithm
---------
*Subgame-perfect equilibria*: the one backward induction
(:func:`negotiation.solvers.backward_induction.backward_induction`) lists them all
(:meth:`negotiation.solvers.equilibrium_sets.SubgamePerfectResult.equilibria`): at a
decision every action within ``tol`` of the best, at a stage every extreme equilibrium of
the bimatrix game of continuation values, for every combination of the equilibria below.

*Nash equilibria* (``include_nash=True``) of the reduced strategic form
(:mod:`negotiation.solvers.strategic_form`) with the same normal-form solver, each turned
into behaviour strategies by Kuhn's formula.

*Subgame perfection.* In the supported class a profile is subgame perfect exactly when at
every decision the mover puts weight only on actions maximising its continuation value
and at every stage the two behaviours form a Nash equilibrium of the bimatrix game of
continuation values (the one-shot deviation principle over the tree of subgames).
``max_subgame_regret`` is the largest gain such a one-shot deviation offers anywhere, on
or off the path; the test is ``<= tol``.

*Convention for open information sets.* At an information set its player's own strategy
excludes, a mixed strategy says nothing. The open sets are completed by the same backward
induction with the determined behaviour held fixed (its ``fixed`` argument): at an open
decision each optimal action, at a stage with one open side each pure best response to
the other, at a stage with both sides open each extreme equilibrium. If some completion
makes the profile subgame perfect it is reported with ``subgame_perfect=True``, otherwise
the completion with the smallest deviation gain with ``subgame_perfect=False``. A
completion that needs a *mixture* of those choices is not searched: such a profile would
be reported as not subgame perfect.

References
----------
Selten, R. (1965). Spieltheoretische Behandlung eines Oligopolmodells mit
Nachfrageträgheit. *Zeitschrift für die gesamte Staatswissenschaft* 121, 301--324.
Selten, R. (1975). Reexamination of the perfectness concept for equilibrium points in
extensive games. *International Journal of Game Theory* 4, 25--55.
Kuhn, H. W. (1953). Extensive games and the problem of information. *Contributions to the
Theory of Games II*, 193--216.
Osborne & Rubinstein, *A Course in Game Theory* (1994), ch. 6 and 11 (one-shot deviation
property, Lemma 98.2; Kuhn's theorem, Proposition 214.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from negotiation.model.tree import CHANCE, GameTree, Infoset
from negotiation.solvers.backward_induction import Induction, backward_induction
from negotiation.solvers.equilibrium_sets import SubgamePerfectEquilibrium, subgame_perfect_result
from negotiation.solvers.normal_form import nash_equilibria
from negotiation.solvers.records import REGRET_TOLERANCE, NashResult, Status
from negotiation.solvers.strategic_form import (
    InfosetKey,
    ReducedStrategicForm,
    kuhn_behaviour,
    reduced_strategic_form,
)
from negotiation.solvers.subgames import UnsupportedGameError

__all__ = [
    "BehaviourEquilibrium",
    "ExtensiveFormResult",
    "ReducedStrategicForm",
    "UnsupportedGameError",
    "method_has_exact_mode",
    "reduced_strategic_form",
    "solve_efg",
]

Number = Fraction | float
#: Behaviour strategies: ``[player][information set][action]``.
Behaviour = tuple[tuple[tuple[Number, ...], ...], tuple[tuple[Number, ...], ...]]


@dataclass(frozen=True, eq=False)
class BehaviourEquilibrium:
    """One equilibrium of an extensive game in behaviour strategies.

    Attributes
    ----------
    strategies : tuple of two tuples
        ``strategies[player][k][a]``: probability of action ``a`` at the player's
        ``k``-th information set in order of appearance (floats).
    payoffs : tuple of float
        Expected payoff of each player.
    subgame_perfect : bool
        Whether the profile is a Nash equilibrium of every subgame.
    source : {"backward_induction", "strategic_form"}
        How it was found.
    max_subgame_regret : float
        The largest gain from changing the behaviour at one information set of any
        subgame, given continuation play (0 for subgame-perfect profiles, up to ``tol``).
    completed : tuple of (player, information set index)
        Information sets whose behaviour the mixed strategy left open and the
        backward-induction convention filled in (see the module docstring).
    exact : tuple or None
        In exact mode, ``(strategies, payoffs)`` as Fractions.
    """

    strategies: tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]
    payoffs: tuple[float, float]
    subgame_perfect: bool
    source: str
    max_subgame_regret: float = 0.0
    completed: tuple[InfosetKey, ...] = ()
    exact: tuple[Behaviour, tuple[Fraction, Fraction]] | None = None

    def to_dict(self) -> dict:
        """Plain-data view (lists and floats) for JSON."""
        return {
            "strategies": [[list(probs) for probs in player] for player in self.strategies],
            "payoffs": list(self.payoffs),
            "subgame_perfect": self.subgame_perfect,
            "source": self.source,
            "max_subgame_regret": self.max_subgame_regret,
        }


@dataclass(frozen=True, eq=False)
class ExtensiveFormResult:
    """The equilibria of an extensive game and how far to trust the list.

    Attributes
    ----------
    equilibria : tuple of BehaviourEquilibrium
        First every subgame-perfect equilibrium found by backward induction, then the
        other Nash equilibria of the reduced strategic form (extreme points), without
        repeats.
    status : {"ok", "degenerate", "incomplete"}
        ``"degenerate"``: a stage game or the strategic form is degenerate (the lists
        hold extreme equilibria of continua), or a mover is indifferent (mixtures of its
        optimal actions are subgame perfect too); ``"incomplete"``: a cap was hit or a
        solver could not certify completeness.
    method : str
        The normal-form method.
    players : tuple of str
    infosets : tuple of two tuples of Infoset
        The information sets ``strategies`` refers to, per player in order of appearance
        (:class:`negotiation.model.tree.Infoset`: ``label``, ``number``, ``actions``).
    strategic_form : NashResult or None
        The strategic-form result, when computed.
    notes : tuple of str
    tolerance : float
    """

    equilibria: tuple[BehaviourEquilibrium, ...]
    status: Status
    method: str
    players: tuple[str, str]
    infosets: tuple[tuple[Infoset, ...], tuple[Infoset, ...]]
    strategic_form: NashResult | None = None
    notes: tuple[str, ...] = ()
    tolerance: float = REGRET_TOLERANCE

    @property
    def subgame_perfect(self) -> tuple[BehaviourEquilibrium, ...]:
        """The subgame-perfect equilibria."""
        return tuple(eq for eq in self.equilibria if eq.subgame_perfect)

    def to_dict(self) -> dict:
        """Plain-data view for JSON (an information set without a number from a file is
        numbered by its position, from 1)."""
        return {
            "status": self.status,
            "method": self.method,
            "players": list(self.players),
            "infosets": [
                [
                    {"number": infoset.number or k + 1, "name": infoset.label, "actions": list(infoset.actions)}
                    for k, infoset in enumerate(infosets)
                ]
                for infosets in self.infosets
            ],
            "equilibria": [eq.to_dict() for eq in self.equilibria],
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- arithmetic


@cache
def method_has_exact_mode(method: str) -> bool:
    """Whether a normal-form method can return exact (Fraction) equilibria.

    >>> method_has_exact_mode("enumeration"), method_has_exact_mode("support")
    (True, False)
    """
    probe = nash_equilibria([[1, 0], [0, 1]], [[1, 0], [0, 1]], method=method, exact=True)
    return all(eq.exact is not None for eq in probe.equilibria)


def _arithmetic(tree: GameTree, method: str, exact: bool | None) -> bool:
    """Whether to compute exactly: as asked, or by default when the tree is exact and the
    method has an exact mode; refuses exact mode with a floating-point method."""
    if exact is None:
        return tree.exact and method_has_exact_mode(method)
    if exact and not method_has_exact_mode(method):
        raise ValueError(
            f"method {method!r} computes in floating point only; use exact=False or another method"
        )
    return bool(exact)


def _in_arithmetic(tree: GameTree, exact: bool) -> GameTree:
    """The tree with exact (Fraction) or float numbers. Float payoffs become the shortest
    decimal that prints as them; float probabilities the nearest fraction with a
    denominator up to 10^12 (1/3 for 0.333...)."""
    if tree.exact == exact:
        return tree
    if not exact:
        return replace(tree, payoffs=tree.payoffs.astype(float), probabilities=tree.probabilities.astype(float))
    payoffs = np.vectorize(lambda v: Fraction(repr(float(v))), otypes=[object])(tree.payoffs)
    probabilities = np.vectorize(
        lambda p: Fraction(repr(float(p))).limit_denominator(10**12), otypes=[object]
    )(tree.probabilities)
    for v in np.flatnonzero(tree.kind == CHANCE):
        kids = tree.children(int(v))
        total = probabilities[:, kids].sum(axis=1)
        if any(t != 1 for t in total):
            raise ValueError(f"chance node {v}: probabilities {tree.probabilities[0, kids].tolist()} "
                             "are not exact; build the tree with exact numbers")
    return replace(tree, payoffs=payoffs, probabilities=probabilities)


# --------------------------------------------------------------------------- behaviour


def _behaviour(
    induction: Induction,
    equilibrium: SubgamePerfectEquilibrium,
    fixed: Mapping[int, tuple],
    *,
    method: str,
    exact: bool,
) -> dict[int, tuple]:
    """The behaviour of an equilibrium of ``induction`` at every information set (tree
    indices): the given behaviour where ``fixed``, the equilibrium's elsewhere."""
    tree = induction.tree
    profile = equilibrium.exact_behaviour() if exact else equilibrium.behaviour()
    chosen = {s: tuple(probs) for player in (0, 1)
              for s, probs in zip(tree.player_infosets(player), profile[player], strict=True)}
    chosen.update({s: tuple(b) for s, b in fixed.items()})
    return chosen


def _fraction(value: Any) -> Fraction:
    """An exact value as it is; a float (a bargaining outcome) as its shortest decimal."""
    return Fraction(repr(float(value))) if isinstance(value, float | np.floating) else Fraction(value)


def _record(
    tree: GameTree,
    chosen: Mapping[int, tuple],
    payoffs: tuple,
    *,
    exact: bool,
    subgame_perfect: bool,
    source: str,
    regret: float,
    completed: tuple[InfosetKey, ...] = (),
) -> BehaviourEquilibrium:
    behaviour = tuple(
        tuple(tuple(chosen[s]) for s in tree.player_infosets(player)) for player in (0, 1)
    )
    floats = tuple(tuple(tuple(float(p) for p in probs) for probs in player) for player in behaviour)
    return BehaviourEquilibrium(
        strategies=floats,  # type: ignore[arg-type]
        payoffs=(float(payoffs[0]), float(payoffs[1])),
        subgame_perfect=subgame_perfect,
        source=source,
        max_subgame_regret=max(float(regret), 0.0),
        completed=completed,
        exact=(behaviour, (_fraction(payoffs[0]), _fraction(payoffs[1]))) if exact else None,  # type: ignore[arg-type]
    )


def _same_profile(first: BehaviourEquilibrium, second: BehaviourEquilibrium, atol: float) -> bool:
    if first.exact is not None and second.exact is not None:
        return first.exact[0] == second.exact[0]
    return all(
        np.allclose(a, b, atol=atol)
        for pa, pb in zip(first.strategies, second.strategies, strict=True)
        for a, b in zip(pa, pb, strict=True)
    )


def _node_text(tree: GameTree, v: int) -> str:
    return f"node {v}" + (f" ({tree.labels[v]!r})" if tree.labels[v] else "")


# --------------------------------------------------------------------------- solve


def solve_efg(
    tree: GameTree,
    *,
    method: str = "enumeration",
    exact: bool | None = None,
    tol: float = REGRET_TOLERANCE,
    include_nash: bool = True,
    max_equilibria: int = 10_000,
    max_strategic_cells: int = 100,
) -> ExtensiveFormResult:
    r"""Subgame-perfect (and, optionally, all Nash) equilibria of an extensive game.

    See the module docstring for the supported games, the algorithm and the convention
    for information sets a Nash equilibrium leaves open.

    Parameters
    ----------
    tree : GameTree
        A batch of one (:func:`negotiation.io.efg_tree.efg_game_tree` reads a ``.efg``
        file into one).
    method : str
        Normal-form method for every simultaneous stage and for the strategic form (a
        key of :data:`negotiation.solvers.normal_form.NORMAL_FORM_METHODS`).
    exact : bool or None
        Rational arithmetic throughout (a float tree is read as the shortest decimals);
        None: exact if the tree is exact and the method has an exact mode (nashpy's
        ``"support"`` and ``"vertex"`` do not).
    tol : float
        Payoff tolerance for ties, for verifying stage equilibria and for the
        subgame-perfection check.
    include_nash : bool
        Also list the Nash equilibria of the reduced strategic form that are not among
        the subgame-perfect ones (skipped, with a note, when the form has more than
        ``max_strategic_cells`` cells).
    max_equilibria : int
        Cap on the subgame-perfect equilibria listed (and on the outcome classes kept per
        subgame).
    max_strategic_cells : int
        Largest reduced strategic form solved (rows times columns). Reduced forms of
        trees are degenerate, with many extreme equilibria: 6 x 12 forms take about 0.1 s,
        18 x 18 ones 13 s (1,072 extreme equilibria), and the 18 x 36 form of the Madrid
        tree did not finish in 5 minutes.

    Returns
    -------
    ExtensiveFormResult

    Raises
    ------
    UnsupportedGameError
        For imperfect information beyond simultaneous moves inside subgames.

    Examples
    --------
    Entry deterrence: the entrant stays out (0 for it, 2 for the incumbent) or enters;
    the incumbent then fights (-1, -1) or accommodates (1, 1). (In, Accommodate) is the
    only subgame-perfect equilibrium; (Out, Fight) is a Nash equilibrium held up by an
    incredible threat, and so is (Out, mix with Fight at least 1/2).

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("Entrant", "Incumbent"))
    >>> root = b.add_personal(None, 0, "e", ("Out", "In"))
    >>> _ = b.add_terminal(root)
    >>> inc = b.add_personal(root, 1, "i", ("Fight", "Accommodate"))
    >>> _ = b.add_terminal(inc), b.add_terminal(inc)
    >>> result = solve_efg(b.build(np.array([[0, 2], [-1, -1], [1, 1]], dtype=float)))
    >>> [(eq.strategies, eq.payoffs, eq.subgame_perfect) for eq in result.equilibria]
    ... # doctest: +NORMALIZE_WHITESPACE
    [((((0.0, 1.0),), ((0.0, 1.0),)), (1.0, 1.0), True),
     ((((1.0, 0.0),), ((1.0, 0.0),)), (0.0, 2.0), False),
     ((((1.0, 0.0),), ((0.5, 0.5),)), (0.0, 2.0), False)]
    """
    if tree.batch_size != 1:
        raise ValueError(f"solve_efg solves one game; got a batch of {tree.batch_size} (pass tree.point(i))")
    use_exact = _arithmetic(tree, method, exact)
    tree = _in_arithmetic(tree, use_exact)
    stage_exact = True if use_exact else None
    induction = backward_induction(
        tree, selection_rule="first", tol=tol, method=method, exact=stage_exact, detail="summary",
        max_classes=max_equilibria,
    )
    result = subgame_perfect_result(induction)
    spe = result.equilibria(max_equilibria)
    equilibria = []
    for eq in spe:
        chosen = _behaviour(induction, eq, {}, method=method, exact=use_exact)
        payoffs = eq.exact_payoffs if use_exact and eq.exact_payoffs is not None else eq.payoffs
        equilibria.append(
            _record(tree, chosen, payoffs, exact=use_exact, subgame_perfect=True, source="backward_induction",
                    regret=eq.max_regret)
        )
    status: Status = result.status  # type: ignore[assignment]
    notes: list[str] = []
    if bool(induction.capped[0]) or result.count > len(spe):
        status = "incomplete"
        notes.append(f"more than {max_equilibria} equilibria in some subgame: the list is truncated")
    if bool(induction.tie[0]):
        notes.append(
            "a mover is indifferent somewhere in the tree: each optimal action gives a "
            "subgame-perfect equilibrium, and so does any mixture of them"
        )
    for u in sorted(induction.stages):
        record = induction.stages[u]
        g = record.game(0, u)
        stage_status = record.solutions.status[g]
        if stage_status != "ok":
            detail = record.solutions.notes[g]
            notes.append(f"the stage at {_node_text(tree, u)} is {stage_status}" + (": " + "; ".join(detail) if detail else ""))
    strategic: NashResult | None = None
    if include_nash:
        try:
            form = reduced_strategic_form(tree, max_cells=max_strategic_cells)
        except UnsupportedGameError:
            raise
        except ValueError as error:
            notes.append(f"Nash equilibria not enumerated: {error}; only the subgame-perfect ones are listed")
        else:
            strategic = nash_equilibria(form.A, form.B, method=method, exact=stage_exact, tol=tol)
            equilibria.extend(
                _nash_records(tree, form, strategic, equilibria, method=method, exact=use_exact, tol=tol,
                              max_equilibria=max_equilibria)
            )
            shape = f"{form.A.shape[0]} x {form.A.shape[1]}"
            if strategic.status == "degenerate":
                notes.append(
                    f"the reduced strategic form ({shape}) is degenerate: its Nash equilibria "
                    "are listed by the extreme points of their components"
                )
                if status == "ok":
                    status = "degenerate"
            elif strategic.status == "incomplete":
                notes.append(
                    f"the Nash equilibria of the reduced strategic form ({shape}) may be "
                    "incomplete: " + "; ".join(strategic.notes)
                )
                status = "incomplete"
    return ExtensiveFormResult(
        equilibria=tuple(equilibria),
        status=status,
        method=method,
        players=tree.players,
        infosets=tuple(tuple(tree.infosets[s] for s in tree.player_infosets(p)) for p in (0, 1)),  # type: ignore[arg-type]
        strategic_form=strategic,
        notes=tuple(notes),
        tolerance=tol,
    )


def _nash_records(
    tree: GameTree,
    form: ReducedStrategicForm,
    strategic: NashResult,
    known: list[BehaviourEquilibrium],
    *,
    method: str,
    exact: bool,
    tol: float,
    max_equilibria: int,
) -> list[BehaviourEquilibrium]:
    """Strategic-form equilibria as behaviour profiles, completed, checked, without repeats."""
    found: list[BehaviourEquilibrium] = []
    keys = [(p, k) for p in (0, 1) for k in range(len(tree.player_infosets(p)))]
    for eq in strategic.equilibria:
        if exact:
            if eq.exact is None:
                raise ValueError(f"method {method!r} has no exact mode")
            mixed: Any = eq.exact
        else:
            mixed = (tuple(float(v) for v in eq.row), tuple(float(v) for v in eq.column))
        fixed = kuhn_behaviour(tree, form, mixed)
        induction = backward_induction(
            tree, selection_rule="first", tol=tol, method=method, exact=True if exact else None, fixed=fixed,
            detail="summary", max_classes=max_equilibria,
        )
        best = min(subgame_perfect_result(induction).classes, key=lambda e: e.max_regret)
        chosen = _behaviour(induction, best, fixed, method=method, exact=exact)
        payoffs = best.exact_payoffs if exact and best.exact_payoffs is not None else best.payoffs
        open_sets = {s for p in (0, 1) for s in tree.player_infosets(p)} - set(fixed)
        record = _record(
            tree, chosen, payoffs, exact=exact, subgame_perfect=best.max_regret <= tol, source="strategic_form",
            regret=best.max_regret,
            completed=tuple(
                key for key in keys if tree.player_infosets(key[0])[key[1]] in open_sets
            ),
        )
        if not any(_same_profile(record, other, 1e-9) for other in known + found):
            found.append(record)
    return found
