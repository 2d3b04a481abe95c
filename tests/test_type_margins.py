"""Margins of a private-information headline, against a closed form.

In the crisis of ``tests/test_types.py`` (Fearon 1995) the challenger threatens when the
expected value of a threat beats staying (0): with a resolute defender of prior p, who resists,
and a weak one, who yields, that is (1 - p) * 1 + p * (-0.5) > 0, i.e. p < 2/3. So from the
prior 0.3 the nearest change of the headline upward is at p = 2/3 (the challenger stays), and
none exists below (the challenger threatens for every smaller prior).
"""

from __future__ import annotations

import pytest

from negotiation.analysis.types import analyze_types
from negotiation.io.types import typed_scenarios
from negotiation.study.type_margins import headline_pattern, type_flips
from tests.test_types import crisis_config


@pytest.fixture(scope="module")
def flips():
    return type_flips(crisis_config(0.3), "crisis.toml", grid=6, refine=8)


def test_the_prior_flips_the_threat_where_the_closed_form_says(flips):
    (prior,) = [f for f in flips.flips if f.key_path == "types.defender.resolute.prior"]
    assert prior.down is None
    # bisection of a bracket of one scan step (about 0.116) eight times: within 0.0005 beyond 2/3
    assert prior.up == pytest.approx(2 / 3, abs=1e-3) and prior.up >= 2 / 3 - 1e-9
    # the challenger stops threatening
    assert any(part.startswith("challenger at talks") and part.endswith(": stay") for part in prior.up_pattern.split("; "))
    assert any(part.startswith("challenger at talks") and part.endswith(": threaten") for part in flips.pattern.split("; "))


def test_each_reported_change_is_a_change_when_solved_again(flips):
    base = headline_pattern(analyze_types(*typed_scenarios(crisis_config(0.3), "crisis.toml"), second=False))
    assert base == flips.pattern
    for flip in flips.flips:
        if flip.key_path.endswith(".prior") and flip.up is not None:
            again = headline_pattern(analyze_types(*typed_scenarios(crisis_config(flip.up), "crisis.toml"), second=False))
            assert again != base and again == flip.up_pattern
    assert flips.evaluations > len(flips.flips)


def test_a_config_without_types_is_refused():
    config = crisis_config()
    del config["types"]
    with pytest.raises(ValueError, match="no \\[types\\]"):
        type_flips(config)
