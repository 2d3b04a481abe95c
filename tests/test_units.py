"""No verdict depends on the units of one side's payoffs (../shared/MODELLING.md, rule 1).

Each side's payoffs are von Neumann-Morgenstern utilities: a positive affine map a*u + b of
one side's payoffs is the same preference. The oracle here is that invariance itself: the
map is applied to a scenario file by an implementation of its own (below, not the package's),
and the verdict (path, stances, outcome probabilities, every equilibrium) must not move while
that side's payoffs move exactly by a*u + b.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation.analysis import analyze
from negotiation.io.config import default_config_path, read_config, scenario_from_dict
from negotiation.solvers.selection import SELECTION_RULES, select_equilibria
from negotiation.solvers.stage import solve_stages
from tests.strategies_games import generic_games

RULES = tuple(SELECTION_RULES)
#: (a, b) maps: the issue's example (China's payoffs 0.5u + 0.2), a stretch and a squeeze.
MAPS = [(0.5, 0.2), (0.8, 0.1), (0.25, 0.7)]


# --------------------------------------------------------------------------- a change of units


def change_units(config: dict, side: str, a: float, b: float) -> dict:
    """``config`` with ``side``'s payoffs mapped to a*u + b: its utility levels and outcome
    values a*u + b; the costs it pays, the harms it suffers and every shift of its payoffs
    multiplied by a (differences of utilities)."""
    out = copy.deepcopy(config)
    mine = out["sides"][side]
    for issue, levels in mine["utilities"].items():
        mine["utilities"][issue] = [a * v + b for v in levels]
    for name, value in mine.get("outcomes", {}).items():
        if isinstance(value, (int, float)):
            mine["outcomes"][name] = a * value + b
    for move in out.get("moves", {}).values():
        if move["by"] == side:
            move["cost"] = a * move.get("cost", 0.0)
        else:
            move["harm"] = a * move.get("harm", 0.0)
        for amount in move.get("effects", {}).values():
            if isinstance(amount, dict) and side in amount:
                amount[side] = a * amount[side]
    return out


def verdict(summary: dict) -> dict:
    """What a reader takes from a run: the path, the stances played, the outcome odds."""
    talks = summary["talks"]
    stances = talks.get("strategies") if isinstance(talks, dict) else None
    return {
        "path": summary["equilibrium_path"],
        "stances": {s: {k: round(p, 9) for k, p in v.items()} for s, v in (stances or {}).items()},
        "outcomes": {k: round(p, 9) for k, p in summary["outcome_probabilities"].items()},
        "stage": talks.get("stage") if isinstance(talks, dict) else None,
    }


def run(config: dict, rule: str | None = None) -> dict:
    if rule is not None:
        config = copy.deepcopy(config)
        config.setdefault("solver", {})["selection_rule"] = rule
    return analyze(scenario_from_dict(config, source="units.toml"), all_equilibria=True).to_dict()


PACKAGED = ["madrid_2025", "madrid_2025_bargaining", "eu_china_ev_2024"]


@pytest.mark.parametrize("name", PACKAGED)
@pytest.mark.parametrize(("a", "b"), MAPS)
def test_the_default_verdict_survives_a_change_of_one_sides_units(name, a, b):
    config = read_config(default_config_path(name))
    base = run(config)
    for side in config["sides"]:
        changed = run(change_units(config, side, a, b))
        assert verdict(changed) == verdict(base), f"{name}: {side} -> {a}u + {b}"
        for s, value in base["payoffs"].items():
            expected = a * value + b if s == side else value
            assert changed["payoffs"][s] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_survives_a_change_of_one_sides_units(rule):
    config = read_config(default_config_path("madrid_2025"))
    base = run(config, rule)
    for side in config["sides"]:
        changed = run(change_units(config, side, 0.5, 0.2), rule)
        assert verdict(changed) == verdict(base), f"{rule}: {side} -> 0.5u + 0.2"
        assert changed["equilibrium_count"] == base["equilibrium_count"]


def test_the_issue_example_no_longer_flips_the_madrid_verdict():
    # Issue 10: China's payoffs 0.5u + 0.2 used to make the US refrain, China probe and
    # escalate. The verdict now names the same path for both units.
    config = read_config(default_config_path("madrid_2025"))
    base, changed = run(config), run(change_units(config, "china", 0.5, 0.2))
    assert changed["equilibrium_path"] == base["equilibrium_path"]


# --------------------------------------------------------------------------- the rules on games


def _equilibria(A: np.ndarray, B: np.ndarray):
    solutions = solve_stages(A[None], B[None])
    return solutions.row, solutions.column, solutions.valid


@settings(max_examples=60, deadline=None)
@given(generic_games(min_side=2, max_side=4), st.floats(0.01, 100.0), st.floats(-10.0, 10.0),
       st.sampled_from([0, 1]))
def test_no_rule_changes_its_choice_under_a_change_of_one_players_units(game, a, b, player):
    A, B = game
    row, column, valid = _equilibria(A, B)
    A2, B2 = (a * A + b, B) if player == 0 else (A, a * B + b)
    row2, column2, valid2 = _equilibria(A2, B2)
    assert np.allclose(row, row2) and np.allclose(column, column2)
    for rule in RULES:
        if rule == "logit_qre" and A.size > 9:
            continue  # keep the run short; the tracer has its own tests
        first = select_equilibria(rule, A[None], B[None], row, column, valid)
        second = select_equilibria(rule, A2[None], B2[None], row2, column2, valid2)
        assert int(first.index[0]) == int(second.index[0]), rule


def test_units_decided_the_old_rules():
    # A coordination game where the sum of raw payoffs prefers one equilibrium and the sum
    # on each side's own scale the other: the old rule's choice flipped when player 2's
    # payoffs were multiplied by 10; relative utilitarianism picks (0, 0) in both units.
    A = np.array([[3.0, 0.0], [0.0, 2.0]])
    B = np.array([[1.0, 0.0], [0.0, 1.2]])
    row, column, valid = _equilibria(A, B)
    pure = [e for e in range(int(valid.sum())) if row[0, e].max() == 1.0]
    for scale in (1.0, 10.0):
        chosen = select_equilibria("utilitarian", A[None], scale * B[None], row, column, valid)
        k = int(chosen.index[0])
        assert k in pure and row[0, k, 0] == 1.0 and column[0, k, 0] == 1.0
