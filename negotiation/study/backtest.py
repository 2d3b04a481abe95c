r"""An out-of-sample backtest of a rounds scenario: each round predicted from earlier rounds only.

For each decision point :math:`k` of a rounds scenario (in date order):

1. **The model as of the eve of round** :math:`k` (:func:`config_before_round`): the scenario
   with ``as_of`` the day before round :math:`k`, the rounds up to :math:`k` (round :math:`k`
   scheduled, its outcome removed; later rounds dropped: their existence is the future), and
   every issue level that those rounds cannot reach removed (a level created by a later
   decision is not known yet). The final state is kept forever after round :math:`k`.
2. **Precisions fitted on the earlier rounds only**: each earlier round :math:`j < k` is judged
   under *its own* as-of model, and the two precisions :math:`(\lambda_1, \lambda_2)` of logit
   play (:func:`negotiation.solvers.rounds.logit_rounds`) maximise the likelihood of the choices
   observed in those rounds (a grid, then L-BFGS-B on :math:`\log_{10}\lambda`). With no earlier
   round, :math:`\lambda = 0`: uniform play.
3. **The prediction**: the probability that logit play at those precisions gives to what was
   done in round :math:`k`, in the state the observed earlier rounds left; its log is the log
   score. Two baselines: *uniform* (every action equally likely) and *persistence* (each mover
   repeats the kind of its previous choice, conciliatory or not, with probability 0.9; the other
   kind shares 0.1; a mover's first choice is uniform).

No fact from after round :math:`k` enters its prediction: the check is in
:func:`config_before_round` (its output validates against its own ``as_of``).
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from negotiation.io.rounds import rounds_from_dict
from negotiation.model.rounds import RoundsGame
from negotiation.solvers.rounds import PRECISION_RANGE, logit_rounds

__all__ = ["BACKTEST_COLUMNS", "PERSISTENCE", "backtest", "config_before_round"]

#: The table's columns, in order.
BACKTEST_COLUMNS = ("round", "date", "observed", "p_observed", "log_score", "p_persistence", "p_uniform",
                    "fitted_on", "lambda_1", "lambda_2")
#: Probability the persistence baseline gives to repeating the kind of the previous choice.
PERSISTENCE = 0.9


def _date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def config_before_round(config: Mapping[str, Any], k: int) -> dict[str, Any]:
    """The scenario as it could be written on the eve of round ``k`` (module docstring, step 1)."""
    out = copy.deepcopy(dict(config))
    rounds = out["rounds"][: k + 1]
    rounds[k] = {key: value for key, value in rounds[k].items() if key != "observed"}
    out["rounds"] = rounds
    out["scenario"]["as_of"] = _date(rounds[k]["date"]) - datetime.timedelta(days=1)
    game = rounds_from_dict(out, source="(as of round)")
    reachable = _reachable_levels(game)
    for issue, levels in list(out["issues"].items()):
        keep = [level for level in levels["levels"] if level in reachable[issue]]
        index = [levels["levels"].index(level) for level in keep]
        out["issues"][issue] = {**levels, "levels": keep}
        for side in out["sides"].values():
            side["utilities"][issue] = [side["utilities"][issue][i] for i in index]
    return out


def _reachable_levels(game: RoundsGame) -> dict[str, set[str]]:
    """Every level some play of the game's rounds can put in force, from its first state."""
    reached = {game.state_of(game.initial)}
    frontier = set(reached)
    for k in range(len(game.rounds)):
        nxt = game.transitions(k)
        frontier = {int(t) for s in frontier for t in nxt[s].ravel()}
        reached |= frontier
    levels: dict[str, set[str]] = {issue.name: set() for issue in game.space.issues}
    for s in reached:
        for issue, level in game.describe_state(s).items():
            levels[issue].add(level)
    return levels


def _last_round_probabilities(game: RoundsGame, precision: tuple[float, float], observed: list) -> list[np.ndarray]:
    """Each mover's logit play in the game's last round, in the state its observed earlier
    rounds left (``observed``: the observed pairs of action indices of those rounds)."""
    play = logit_rounds(game, precision)
    s = game.state_of(game.initial)
    for j, pair in enumerate(observed):
        s = int(game.transitions(j)[s, pair[0], pair[1]])
    last = play.rounds[-1]
    return [last.row[s], last.column[s]]


def backtest(config: Mapping[str, Any], *, source: str = "<config>", first: int = 0, last: int | None = None,
             grid: int = 5, maxiter: int = 30) -> pd.DataFrame:
    """The backtest table of a rounds scenario (module docstring): a row per round from ``first``
    to ``last`` (default: all), columns :data:`BACKTEST_COLUMNS`. ``grid`` and ``maxiter`` set
    the search of the precisions at each round."""
    from scipy.optimize import minimize

    full = rounds_from_dict(config, source=source)
    names = full.side_names
    K = len(full.rounds)
    last = K - 1 if last is None else last
    path = full.observed_path()
    observed = [pair for _, pair, _ in path]
    models = {}

    def model(j: int) -> RoundsGame:
        if j not in models:
            models[j] = rounds_from_dict(config_before_round(config, j), source=f"{source} as of round {j}")
        return models[j]

    def probabilities(j: int, precision: tuple[float, float]) -> float:
        game = model(j)
        mixes = _last_round_probabilities(game, precision, observed[:j])
        # the observed actions, by name (the as-of model's action lists are the file's)
        p = 1.0
        for i in (0, 1):
            if path[j][2][i]:
                action = full.rounds[j].actions[i][observed[j][i]]
                p *= float(mixes[i][game.rounds[j].actions[i].index(action)])
        return p

    rows = []
    kinds: dict[int, str] = {}
    for k in range(K):
        rnd = full.rounds[k]
        movers = [i for i in (0, 1) if path[k][2][i]]
        earlier = [j for j in range(k) if any(path[j][2])]
        if k >= first and k <= last and movers:
            if earlier:
                low, high = PRECISION_RANGE

                def negative(theta: np.ndarray, earlier: list = earlier) -> float:
                    pair = (10.0 ** theta[0], 10.0 ** theta[1])
                    return -sum(np.log(max(probabilities(j, pair), 1e-300)) for j in earlier)

                points = np.linspace(low, high, grid)
                start = min(((a, b) for a in points for b in points), key=lambda t: negative(np.array(t)))
                result = minimize(negative, np.array(start), method="L-BFGS-B", bounds=[(low, high)] * 2,
                                  options={"maxiter": maxiter})
                theta = result.x if result.fun <= negative(np.array(start)) else np.array(start)
                precision = (float(10.0 ** theta[0]), float(10.0 ** theta[1]))
            else:
                precision = (0.0, 0.0)
            p = probabilities(k, precision)
            uniform = float(np.prod([1.0 / len(rnd.actions[i]) for i in movers]))
            rows.append({
                "round": rnd.name, "date": rnd.date,
                "observed": "; ".join(f"{names[i]}={rnd.actions[i][observed[k][i]]}" for i in movers),
                "p_observed": p, "log_score": float(np.log(max(p, 1e-300))),
                "p_persistence": _persistence(full, k, movers, observed, kinds),
                "p_uniform": uniform, "fitted_on": ";".join(full.rounds[j].name for j in earlier),
                "lambda_1": precision[0], "lambda_2": precision[1],
            })
        for i in movers:  # the kind of each mover's choice, for the next persistence forecast
            kinds[i] = _kind(full, k, i, observed[k][i])
    return pd.DataFrame(rows, columns=list(BACKTEST_COLUMNS))


def _kind(game: RoundsGame, k: int, side: int, action: int) -> str:
    conciliatory = (game.config or {}).get("rounds", [{}] * (k + 1))[k].get("conciliatory", {})
    name = game.side_names[side]
    if name not in conciliatory:
        return "unknown"
    return "conciliatory" if game.rounds[k].actions[side][action] == conciliatory[name] else "firm"


def _persistence(game: RoundsGame, k: int, movers: list[int], observed: list, kinds: dict[int, str]) -> float:
    p = 1.0
    for i in movers:
        actions = game.rounds[k].actions[i]
        kind = _kind(game, k, i, observed[k][i])
        previous = kinds.get(i)
        if previous is None or kind == "unknown" or previous == "unknown":
            p *= 1.0 / len(actions)
            continue
        same = [a for a in range(len(actions)) if _kind(game, k, i, a) == previous]
        other = len(actions) - len(same)
        if kind == previous:
            p *= PERSISTENCE / len(same) if other else 1.0 / len(same)
        else:
            p *= (1.0 - PERSISTENCE) / other
    return p
