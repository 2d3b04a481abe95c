r"""Game trees: leverage stages of perfect information ending in simultaneous talks stages.

A tree is built from four kinds of node (all frozen values, no behaviour):

* :class:`Decision` — one player picks an action, observed by all (perfect information);
* :class:`Chance` — nature picks an action with given probabilities;
* :class:`StageGame` — both players move simultaneously in a bimatrix game
  :math:`(A, B)`; each action profile leads to a lottery over :class:`Resolution`
  (truce, deadlock, escalation) given by ``resolution_probabilities[a, b]``;
* :class:`BargainingStage` — the talks as bargaining over packages: agreement on one of
  the packages (a truce) or none (deadlock), solved by a bargaining protocol;
* :class:`Terminal` — payoffs (and, optionally, the resolution reached).

Players are numbered 0 (row, first side) and 1 (column, second side). Payoffs are
``(A, B)`` indexed ``[row action, column action]`` as in nashpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Resolution(StrEnum):
    """How the talks end."""

    TRUCE = "truce"
    DEADLOCK = "deadlock"
    ESCALATION = "escalation"


#: Order of resolutions in every probability vector.
RESOLUTIONS: tuple[Resolution, ...] = (Resolution.TRUCE, Resolution.DEADLOCK, Resolution.ESCALATION)


@dataclass(frozen=True, eq=False)
class Terminal:
    """A leaf with a payoff for each player and, optionally, how the talks ended."""

    payoffs: tuple[float, float]
    label: str = ""
    resolution_probabilities: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class StageGame:
    """A simultaneous-move stage: the talks themselves.

    Attributes
    ----------
    A, B : numpy.ndarray, shape (m, n)
        Row and column player's expected payoffs of each action profile.
    row_actions, column_actions : tuple of str
        Action labels.
    resolution_probabilities : numpy.ndarray, shape (m, n, 3)
        Probability of truce, deadlock, escalation after each action profile.
    outcome_labels : tuple of tuple of str
        What each profile leads to, for reports (e.g. ``"truce: balanced"``).
    label : str
        Name of the stage (e.g. the moves played before it).
    """

    A: np.ndarray
    B: np.ndarray
    row_actions: tuple[str, ...]
    column_actions: tuple[str, ...]
    resolution_probabilities: np.ndarray
    outcome_labels: tuple[tuple[str, ...], ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        m, n = len(self.row_actions), len(self.column_actions)
        if self.A.shape != (m, n) or self.B.shape != (m, n):
            raise ValueError(f"stage {self.label!r}: payoffs must have shape {(m, n)}")
        if self.resolution_probabilities.shape != (m, n, len(RESOLUTIONS)):
            raise ValueError(f"stage {self.label!r}: resolution probabilities have wrong shape")


@dataclass(frozen=True, eq=False)
class BargainingStage:
    """The talks as bargaining over agreement packages.

    Attributes
    ----------
    utilities : numpy.ndarray, shape (K, 2)
        Each side's payoff of a *lasting* agreement on each package.
    package_names : tuple of str
    disagreement : tuple of float
        Each side's payoff if there is no agreement (deadlock): the disagreement point.
    breakdown_probability : float
        Probability that an agreed truce breaks down into deadlock; the value of agreeing
        on package :math:`k` is :math:`(1-q) u_k + q d`.
    sunk : tuple of float
        Added to each side's payoff in every outcome (costs and harms of moves played).
    protocol : str
        How the bargaining is solved (e.g. ``"alternating_offers"``, ``"nash"``).
    parameters : tuple of (str, value)
        The protocol's parameters (discount factors, deadline, ...).
    label : str
    """

    utilities: np.ndarray
    package_names: tuple[str, ...]
    disagreement: tuple[float, float]
    breakdown_probability: float
    sunk: tuple[float, float]
    protocol: str
    parameters: tuple[tuple[str, object], ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if self.utilities.shape != (len(self.package_names), 2):
            raise ValueError(f"bargaining stage {self.label!r}: utilities must have shape (packages, 2)")

    def agreement_values(self) -> np.ndarray:
        """Expected payoff of agreeing on each package, before sunk costs, shape (K, 2)."""
        q = self.breakdown_probability
        return (1 - q) * self.utilities + q * np.asarray(self.disagreement, dtype=float)


@dataclass(frozen=True, eq=False)
class Decision:
    """A perfect-information decision by ``player`` (0 or 1) among ``actions``."""

    player: int
    actions: tuple[str, ...]
    children: tuple[Node, ...]
    label: str = ""

    def __post_init__(self) -> None:
        if len(self.actions) != len(self.children) or not self.actions:
            raise ValueError(f"decision {self.label!r}: one child per action, at least one")


@dataclass(frozen=True, eq=False)
class Chance:
    """Nature's move: ``actions`` with ``probabilities`` summing to one."""

    actions: tuple[str, ...]
    probabilities: tuple[float, ...]
    children: tuple[Node, ...]
    label: str = ""

    def __post_init__(self) -> None:
        if not (len(self.actions) == len(self.children) == len(self.probabilities)):
            raise ValueError(f"chance node {self.label!r}: one child and probability per action")
        if abs(sum(self.probabilities) - 1.0) > 1e-9 or min(self.probabilities) < 0:
            raise ValueError(f"chance node {self.label!r}: probabilities must sum to one")


Node = Terminal | StageGame | BargainingStage | Decision | Chance


@dataclass(frozen=True)
class TreeSize:
    """Counts of nodes by kind."""

    decisions: int = 0
    chances: int = 0
    stages: int = 0
    terminals: int = 0


def tree_size(node: Node) -> TreeSize:
    """Count the nodes of a tree by kind."""
    counts = {"decisions": 0, "chances": 0, "stages": 0, "terminals": 0}
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Decision):
            counts["decisions"] += 1
            stack.extend(current.children)
        elif isinstance(current, Chance):
            counts["chances"] += 1
            stack.extend(current.children)
        elif isinstance(current, StageGame | BargainingStage):
            counts["stages"] += 1
        else:
            counts["terminals"] += 1
    return TreeSize(**counts)
