"""Shared fixtures: a toy scenario whose equilibria are derived by hand, and the Madrid file."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from negotiation.io.config import default_config_path

# A one-issue toy. Row side "a" and column side "b" split one issue; each side either
# concedes or holds. Before any move:
#   (concede, concede) -> even split      a 0.5, b 0.5
#   (concede, hold)    -> b_favoured      a 0.0, b 1.0
#   (hold, concede)    -> a_favoured      a 1.0, b 0.0
#   (hold, hold)       -> deadlock        a 0.4, b 0.3
# Holding is dominant for both (1 > 0.5 and 0.4 > 0 for a; 1 > 0.5 and 0.3 > 0 for b), so
# the talks end in deadlock with payoffs (0.4, 0.3).
TOY = {
    "scenario": {"name": "toy", "title": "Toy talks"},
    "solver": {"selection_rule": "payoff_dominant"},
    "issues": {"split": {"levels": ["a_favoured", "even", "b_favoured"]}},
    "sides": {
        "a": {
            "label": "Side A",
            "weights": {"split": 1.0},
            "utilities": {"split": [1.0, 0.5, 0.0]},
            "outcomes": {"deadlock": 0.4, "escalation": 0.0},
        },
        "b": {
            "label": "Side B",
            "weights": {"split": 1.0},
            "utilities": {"split": [0.0, 0.5, 1.0]},
            "outcomes": {"deadlock": 0.3, "escalation": 0.0},
        },
    },
    "moves": {
        # a's threat: cost 0.05 to a; b's deadlock payoff falls by 0.4 (to -0.1) and a truce
        # breaks down with probability 0.2.
        "threat": {
            "label": "A's threat",
            "by": "a",
            "cost": 0.05,
            "effects": {"deadlock_shift": {"b": -0.4}, "breakdown_shift": 0.2},
        }
    },
    "talks": {
        "breakdown_probability": 0.0,
        "actions": {"a": ["concede", "hold"], "b": ["concede", "hold"]},
        "packages": {
            "even": {"split": "even"},
            "a_favoured": {"split": "a_favoured"},
            "b_favoured": {"split": "b_favoured"},
        },
        "outcomes": {
            "concede": {"concede": "even", "hold": "b_favoured"},
            "hold": {"concede": "a_favoured", "hold": "deadlock"},
        },
    },
}


@pytest.fixture
def toy_config() -> dict:
    return copy.deepcopy(TOY)


@pytest.fixture
def madrid_path() -> Path:
    return default_config_path()


@pytest.fixture
def madrid_text(madrid_path: Path) -> str:
    return madrid_path.read_text(encoding="utf-8")
