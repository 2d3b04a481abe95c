r"""The talks as a bargaining problem over packages, batched: what a bargaining node holds.

Each side's value of a lasting agreement on package :math:`k` is :math:`u_k`; failing to
agree is deadlock, worth the disagreement point :math:`d`; an agreed truce breaks down into
deadlock with probability :math:`q`, so agreeing on :math:`k` is worth
:math:`v_k = (1-q) u_k + q d` (:meth:`BargainingProblem.agreement_values`). Costs and harms
of the pre-talk moves (``sunk``) are added to every outcome. Numbers carry a leading batch
axis (the points of a sweep); a single problem is a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["BargainingProblem"]


@dataclass(frozen=True, eq=False)
class BargainingProblem:
    """A batch of bargaining problems over the same packages, solved by one protocol.

    Attributes
    ----------
    utilities : numpy.ndarray, shape (N, K, 2)
        Each side's payoff of a lasting agreement on each package.
    package_names : tuple of str
    disagreement : numpy.ndarray, shape (N, 2)
    breakdown_probability : numpy.ndarray, shape (N,)
    sunk : numpy.ndarray, shape (N, 2)
    protocol : str
        ``"alternating_offers"``, ``"nash"``, ``"kalai_smorodinsky"`` or ``"egalitarian"``.
    discount : numpy.ndarray, shape (N, 2)
    first_proposer : int
    deadline : numpy.ndarray of int, shape (N,)
    breakdown_per_round : numpy.ndarray, shape (N,)
    power : numpy.ndarray, shape (N,)
        Bargaining power of the first side in the asymmetric Nash solution.
    label : str
    """

    utilities: np.ndarray
    package_names: tuple[str, ...]
    disagreement: np.ndarray
    breakdown_probability: np.ndarray
    sunk: np.ndarray
    protocol: str
    discount: np.ndarray
    first_proposer: int
    deadline: np.ndarray
    breakdown_per_round: np.ndarray
    power: np.ndarray
    label: str = ""

    def __post_init__(self) -> None:
        if self.utilities.ndim != 3 or self.utilities.shape[1:] != (len(self.package_names), 2):
            raise ValueError(f"bargaining problem {self.label!r}: utilities must have shape (N, packages, 2)")

    @property
    def batch_size(self) -> int:
        return self.utilities.shape[0]

    def agreement_values(self) -> np.ndarray:
        """Expected payoff of agreeing on each package, before sunk costs, shape (N, K, 2)."""
        q = self.breakdown_probability[:, None, None]
        return (1 - q) * self.utilities + q * self.disagreement[:, None, :]

    def point(self, i: int) -> BargainingProblem:
        """Problem ``i`` of the batch, as a batch of one."""
        pick = slice(i, i + 1)
        return replace(
            self, utilities=self.utilities[pick], disagreement=self.disagreement[pick],
            breakdown_probability=self.breakdown_probability[pick], sunk=self.sunk[pick],
            discount=self.discount[pick], deadline=self.deadline[pick],
            breakdown_per_round=self.breakdown_per_round[pick], power=self.power[pick],
        )
