"""Private types in scenarios (issue 11 item 4): validation, the Bayesian game's tree, beliefs by
Bayes' rule, the export Gambit reads, and a Fearon-style crisis where private resolve makes
escalation happen with positive probability in equilibrium.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest

from negotiation.analysis.types import analyze_types
from negotiation.io.config import default_config_path, read_config
from negotiation.io.schema import ConfigError
from negotiation.io.types import typed_scenarios
from negotiation.model.compile import typed_tree
from negotiation.model.tree import CHANCE


@pytest.fixture(scope="module")
def config() -> dict:
    return read_config(default_config_path("madrid_2025_resolve"))


@pytest.fixture(scope="module")
def analysis(config):
    return analyze_types(*typed_scenarios(config, "madrid_2025_resolve.toml"))


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t["china"]["resolute"].update(prior=0.7), "types.china = 'resolute 0.7, pliable 0.5': expected priors summing to 1 (they sum to 1.2)"),
    (lambda t: t["china"]["resolute"].update(prior=1.5), "types.china.resolute.prior = 1.5: expected a probability in [0, 1]"),
    (lambda t: t["china"]["pliable"].update({"sides.us.weights.tariffs": 0.5}),
     "expected a number of china's own"),
    (lambda t: t["china"]["pliable"].update({"sides.china.utilitys.tariffs[0]": 0.5}),
     "types.china.pliable.\"sides.china.utilitys.tariffs[0]\" = 0.5: expected an existing key path"),
    (lambda t: t.update(eu={"a": {"prior": 1.0}}), "types = "),
])
def test_bad_types_name_the_key_path(config, edit, expected):
    broken = copy.deepcopy(config)
    edit(broken["types"])
    with pytest.raises(ConfigError) as error:
        typed_scenarios(broken, "resolve.toml")
    assert expected in str(error.value)


def test_the_uninformed_side_cannot_tell_the_types_apart(config):
    scenarios, side, types, prior = typed_scenarios(config, "resolve.toml")
    tree = typed_tree(scenarios, side, types, prior)
    assert int(tree.kind[0]) == CHANCE and tree.actions(0) == types
    np.testing.assert_allclose([tree.probabilities[0, int(c)] for c in tree.children(0)], prior)
    for infoset in tree.infosets:
        if infoset.player == 1 - side:  # the US: every set holds one node per type
            assert len(infoset.members) == len(types)
            assert {int(tree.path(m)[0][1]) for m in infoset.members} == set(range(len(types)))
        elif infoset.player == side:  # China knows its type: each set within one type
            roots = {int(tree.path(m)[0][1]) for m in infoset.members}
            assert len(roots) == 1


def test_beliefs_follow_bayes_rule_on_the_path(analysis):
    # on the path (no move played) the US belief is the prior times each type's probability of
    # that path, normalised: recomputed here from the reported behaviour
    decisions = analysis.decisions()
    probe = {d["at"]: d["play"]["refrain"] for d in decisions if d["side"] == "china" and d["at"].startswith(
        "anti_dumping_probe after entity_listing=refrain")}
    weights = {t: p * probe[f"anti_dumping_probe after entity_listing=refrain (china {t})"]
               for t, p in zip(analysis.types, analysis.prior, strict=True)}
    total = sum(weights.values())
    (quiet,) = [d for d in decisions if d["at"] == "us at talks: entity_listing=refrain, anti_dumping_probe=refrain"]
    for t in analysis.types:
        assert quiet["belief"][t] == pytest.approx(weights[t] / total, abs=1e-6)
    for d in decisions:
        if "belief" in d:
            assert sum(d["belief"].values()) == pytest.approx(1.0) and min(d["belief"].values()) >= -1e-12
    assert analysis.regret <= 1e-6 and analysis.qre.converged


def crisis_config(prior: float = 0.3) -> dict:
    """A crisis with private resolve (Fearon 1995): the defender is resolute with ``prior``."""
    return {
        "scenario": {"name": "crisis", "title": "Crisis"},
        "issues": {"stake": {"levels": ["lost", "kept"]}},  # from the defender's side
        "sides": {
            "challenger": {"label": "Challenger", "weights": {"stake": 1.0}, "utilities": {"stake": [1.0, 0.0]},
                           "outcomes": {"deadlock": 0.0, "escalation": -0.5}},
            "defender": {"label": "Defender", "weights": {"stake": 1.0}, "utilities": {"stake": [0.0, 1.0]},
                         "outcomes": {"deadlock": 1.0, "escalation": -0.5}},
        },
        "talks": {"protocol": "stance", "actions": {"challenger": ["stay", "threaten"], "defender": ["yield", "resist"]},
                  "packages": {"won": {"stake": "lost"}},
                  "outcomes": {"stay": {"yield": "deadlock", "resist": "deadlock"},
                               "threaten": {"yield": "won", "resist": "escalation"}}},
        "solver": {"selection_rule": "logit_qre"},
        # a resolute defender prefers escalation (0.5) to yielding (0); a weak one does not (-0.5)
        "types": {"defender": {"resolute": {"prior": prior, "sides.defender.outcomes.escalation": 0.5},
                               "weak": {"prior": 1.0 - prior}}},
    }


def test_fearon_crisis_private_resolve_makes_escalation_happen():
    """A crisis with private resolve (Fearon 1995): the defender may be resolute (it prefers
    escalation to yielding) or weak (it yields to a threat). The challenger, not knowing which,
    threatens; the resolute type escalates: escalation has probability equal to the resolute
    prior in equilibrium, here 0.3; under complete information it never happens."""
    base = crisis_config()
    # the challenger threatens (0.7 * 1 + 0.3 * (-0.5) = 0.55 > 0), the weak type yields, the
    # resolute resists: escalation with the resolute prior
    result = analyze_types(*typed_scenarios(base, "crisis.toml"))
    assert result.outcome_probabilities["escalation"] == pytest.approx(0.3, abs=1e-4)
    assert result.regret <= 1e-6


def test_run_and_export_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "negotiation.cli", "run", "madrid_2025_resolve", "--out",
                           str(tmp_path / "r")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "private types of china" in done.stdout and "believes" in done.stdout
    assert (tmp_path / "r" / "figures" / "beliefs.png").exists()
    exported = subprocess.run([sys.executable, "-m", "negotiation.cli", "export", "madrid_2025_resolve", "--out",
                               str(tmp_path / "g.efg")], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    reported = subprocess.run([sys.executable, "-m", "negotiation.cli", "report", "madrid_2025_resolve", "--out",
                               str(tmp_path / "rep")], capture_output=True, text=True)
    assert reported.returncode == 0, reported.stderr
    assert (tmp_path / "rep" / "report.html").is_file()


def test_gambit_reads_the_export_and_our_headline_is_an_equilibrium_there(tmp_path, config, analysis):
    pygambit = pytest.importorskip("pygambit")
    from negotiation.io.efg import write_efg
    from negotiation.io.efg_tree import game_tree_efg
    from tests.test_agent_qre import gambit_profile

    path = tmp_path / "resolve.efg"
    path.write_text(write_efg(game_tree_efg(analysis.tree, title="resolve")), encoding="utf-8")
    G = pygambit.read_efg(str(path))
    profile = gambit_profile(G, analysis.tree, analysis.qre.behaviour)
    payoffs = np.asarray(analysis.tree.payoffs[0], dtype=float)
    assert float(profile.max_regret()) <= 1e-6 * (payoffs.max() - payoffs.min())
    # and Gambit's own equilibrium is one of our game: its regret by our exact check is ~0
    found = pygambit.nash.lcp_solve(G, rational=False)
    theirs = found.equilibria[0] if hasattr(found, "equilibria") else found.equilibrium
    assert float(theirs.max_regret()) <= 1e-9
