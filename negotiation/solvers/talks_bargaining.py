r"""Solving a talks stage that is a bargaining problem over packages.

A :class:`~negotiation.model.bargaining.BargainingProblem` holds each side's value of a lasting
agreement on each package :math:`u_k`, the disagreement point :math:`d` (deadlock) and the
probability :math:`q` that an agreed truce breaks down. Agreeing on :math:`k` is worth
:math:`v_k = (1-q) u_k + q d`; the bargaining problem is :math:`(\{v_k\}, d)`, solved by

* ``"alternating_offers"``: the subgame-perfect equilibrium of Rubinstein–Ståhl
  alternating offers with a deadline (:func:`negotiation.solvers.bargaining.alternating_offers`);
* ``"nash"``, ``"kalai_smorodinsky"``, ``"egalitarian"``: the axiomatic solutions on the
  discrete package set.

The Nash and Kalai–Smorodinsky packages are computed in every case, for reports.

References
----------
Nash, J. (1950). The bargaining problem. *Econometrica* 18, 155–162.
Nash, J. (1953). Two-person cooperative games. *Econometrica* 21, 128–140.
Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. *Econometrica* 50, 97–109.
Kalai, E., Smorodinsky, M. (1975). Other solutions to Nash's bargaining problem.
*Econometrica* 43, 513–518.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.model.bargaining import BargainingProblem
from negotiation.solvers.bargaining import (
    alternating_offers,
    egalitarian_solution,
    kalai_smorodinsky_solution,
    nash_bargaining_solution,
)


@dataclass(frozen=True, eq=False)
class BargainingOutcome:
    """What the bargaining at one talks stage settles on.

    Attributes
    ----------
    package : int or None
        Index of the agreed package in the stage's ``package_names``; None for deadlock.
    package_name : str or None
    agreement_round : int or None
        Round of agreement (alternating offers), 0 for axiomatic solutions.
    payoffs : tuple of float
        Each side's expected payoff, sunk costs and harms included.
    resolution_probabilities : numpy.ndarray
        Probabilities of truce, deadlock, escalation.
    nash_package, kalai_smorodinsky_package : int or None
        The Nash (with the stage's power) and Kalai–Smorodinsky packages of the same problem.
    method : str
    notes : tuple of str
    """

    package: int | None
    package_name: str | None
    agreement_round: int | None
    payoffs: tuple[float, float]
    resolution_probabilities: np.ndarray
    nash_package: int | None
    kalai_smorodinsky_package: int | None
    method: str
    notes: tuple[str, ...] = ()


def solve_bargaining_problem(problem: BargainingProblem, i: int = 0) -> BargainingOutcome:
    """Solve problem ``i`` of a batch under its protocol (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> problem = BargainingProblem(np.array([[[0.9, 0.1], [0.6, 0.5], [0.2, 0.8]]]), ("a", "mid", "b"),
    ...     np.array([[0.2, 0.2]]), np.zeros(1), np.zeros((1, 2)), "nash", np.full((1, 2), 0.95), 0,
    ...     np.ones(1, dtype=int), np.zeros(1), np.full(1, 0.5))
    >>> solve_bargaining_problem(problem).package_name   # gains 0.7*-0.1 < 0, 0.4*0.3, 0*0.6
    'mid'
    """
    values = problem.agreement_values()[i]
    d = np.asarray(problem.disagreement[i], dtype=float)
    sunk = np.asarray(problem.sunk[i], dtype=float)
    q = float(problem.breakdown_probability[i])
    nash = nash_bargaining_solution(values, d, power=float(problem.power[i]))
    ks = kalai_smorodinsky_solution(values, d)
    notes: list[str] = []
    agreement_probability = 1.0
    if problem.protocol == "alternating_offers":
        result = alternating_offers(
            values,
            d,
            discount=(float(problem.discount[i, 0]), float(problem.discount[i, 1])),
            deadline=int(problem.deadline[i]),
            first_proposer=int(problem.first_proposer),
            breakdown_probability=float(problem.breakdown_per_round[i]),
        )
        package, round_, payoffs = result.package, result.agreement_round, np.asarray(result.payoffs, dtype=float)
        agreement_probability = float(result.agreement_probability)
        notes.extend(result.notes)
    else:
        solver = {"nash": lambda: nash, "kalai_smorodinsky": lambda: ks,
                  "egalitarian": lambda: egalitarian_solution(values, d)}[problem.protocol]
        solution = solver()
        package = solution.package if solution.feasible else None
        round_ = 0 if package is not None else None
        payoffs = values[package] if package is not None else d
        notes.extend(solution.notes)
    truce = agreement_probability * (1 - q) if package is not None else 0.0
    return BargainingOutcome(
        package=package,
        package_name=problem.package_names[package] if package is not None else None,
        agreement_round=round_,
        payoffs=(float(payoffs[0] + sunk[0]), float(payoffs[1] + sunk[1])),
        resolution_probabilities=np.array([truce, 1.0 - truce, 0.0]),
        nash_package=nash.package if nash.feasible else None,
        kalai_smorodinsky_package=ks.package if ks.feasible else None,
        method=problem.protocol,
        notes=tuple(notes),
    )


def solve_bargaining_problems(problem: BargainingProblem) -> list[BargainingOutcome]:
    """Every problem of a batch solved (identical problems once), in batch order."""
    keys = np.concatenate(
        [
            problem.utilities.reshape(problem.batch_size, -1), problem.disagreement,
            problem.breakdown_probability[:, None], problem.sunk, problem.discount,
            problem.deadline[:, None].astype(float), problem.breakdown_per_round[:, None], problem.power[:, None],
        ],
        axis=1,
    )
    solved: dict[bytes, BargainingOutcome] = {}
    out = []
    for i in range(problem.batch_size):
        key = keys[i].tobytes()
        if key not in solved:
            solved[key] = solve_bargaining_problem(problem, i)
        out.append(solved[key])
    return out
