"""Config validation: each kind of error names the file, the key path, the value and what was expected."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from negotiation.io.config import (
    ConfigError,
    load_scenario,
    read_config,
    scenario_from_dict,
    scenario_points,
)
from negotiation.io.key_paths import numeric_key_paths, with_overrides


def problems(config: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(config, source="toy.toml")
    return str(info.value).splitlines()


def test_default_madrid_scenario_loads(madrid_path):
    scenario = load_scenario()
    assert scenario.name == "madrid_2025"
    assert scenario.side_names == ("us", "china")
    assert [m.name for m in scenario.moves] == ["entity_listing", "anti_dumping_probe"]
    assert {i.name for i in scenario.space.issues} >= {"tariffs", "export_controls", "rare_earths"}
    assert load_scenario("madrid_2025").name == "madrid_2025"


def test_toy_builds_the_declared_order(toy_config):
    scenario = scenario_from_dict(toy_config)
    assert scenario.side_names == ("a", "b")
    assert scenario.talks.outcome_map == (("even", "b_favoured"), ("a_favoured", "deadlock"))


def test_misspelled_key_gives_one_line_with_a_suggestion(toy_config):
    toy_config["sides"]["a"]["wieghts"] = toy_config["sides"]["a"].pop("weights")
    lines = problems(toy_config)
    assert lines == ["toy.toml: sides.a.wieghts = a table: expected no such key; did you mean 'weights'?"]


def test_wrong_type_names_key_and_type(toy_config):
    toy_config["sides"]["a"]["weights"]["split"] = "high"
    assert problems(toy_config) == ["toy.toml: sides.a.weights.split = 'high': expected a number"]


def test_boolean_is_not_a_number(toy_config):
    toy_config["moves"]["threat"]["cost"] = True
    assert problems(toy_config) == ["toy.toml: moves.threat.cost = True: expected a number"]


def test_out_of_range_probability(toy_config):
    toy_config["talks"]["breakdown_probability"] = 1.5
    assert problems(toy_config) == [
        "toy.toml: talks.breakdown_probability = 1.5: expected a number less than or equal to 1"
    ]


def test_negative_cost(toy_config):
    toy_config["moves"]["threat"]["cost"] = -0.1
    [line] = problems(toy_config)
    assert line.startswith("toy.toml: moves.threat.cost = -0.1: expected a number greater than or equal to 0")


def test_weights_must_sum_to_one():
    config = copy.deepcopy(_two_issue_toy())
    config["sides"]["a"]["weights"] = {"split": 0.7, "extra": 0.2}
    [line] = problems(config)
    assert "sides.a.weights" in line and "summing to 1 (they sum to 0.9)" in line


def test_weight_outside_unit_interval(toy_config):
    toy_config["sides"]["a"]["weights"]["split"] = 1.2
    lines = problems(toy_config)
    assert "toy.toml: sides.a.weights.split = 1.2: expected a number in [0, 1]" in lines


def test_move_by_unknown_side(toy_config):
    toy_config["moves"]["threat"]["by"] = "c"
    assert problems(toy_config) == ["toy.toml: moves.threat.by = 'c': expected one of the sides: a, b"]


def test_outcome_map_missing_a_profile(toy_config):
    del toy_config["talks"]["outcomes"]["hold"]["hold"]
    [line] = problems(toy_config)
    assert line.startswith("toy.toml: talks.outcomes.hold.hold: missing; expected the outcome when a plays 'hold'")


def test_outcome_map_missing_a_whole_row(toy_config):
    del toy_config["talks"]["outcomes"]["hold"]
    [line] = problems(toy_config)
    assert line.startswith("toy.toml: talks.outcomes.hold: missing")


def test_outcome_names_an_unknown_package(toy_config):
    toy_config["talks"]["outcomes"]["hold"]["hold"] = "stalemate"
    [line] = problems(toy_config)
    assert line == "toy.toml: talks.outcomes.hold.hold = 'stalemate': expected one of deadlock, escalation, even, a_favoured, b_favoured"


def test_unknown_effect_suggests_the_known_one(toy_config):
    toy_config["moves"]["threat"]["effects"]["deadlock_shfit"] = toy_config["moves"]["threat"]["effects"].pop("deadlock_shift")
    [line] = problems(toy_config)
    assert "moves.threat.effects.deadlock_shfit" in line and "did you mean 'deadlock_shift'" in line


def test_per_side_effect_needs_a_table(toy_config):
    toy_config["moves"]["threat"]["effects"]["deadlock_shift"] = -0.4
    [line] = problems(toy_config)
    assert line.startswith("toy.toml: moves.threat.effects.deadlock_shift = -0.4: expected a table of side = number")


def test_package_level_must_exist(toy_config):
    toy_config["talks"]["packages"]["even"]["split"] = "half"
    [line] = problems(toy_config)
    assert line == "toy.toml: talks.packages.even.split = 'half': expected a level of split: a_favoured, even, b_favoured"


def test_utilities_need_one_number_per_level(toy_config):
    toy_config["sides"]["b"]["utilities"]["split"] = [0.0, 1.0]
    [line] = problems(toy_config)
    assert line.startswith("toy.toml: sides.b.utilities.split = [0.0, 1.0]: expected 3 numbers, one per level of split")


def test_unknown_selection_rule(toy_config):
    toy_config["solver"]["selection_rule"] = "coin_flip"
    [line] = problems(toy_config)
    assert line.startswith("toy.toml: solver.selection_rule = 'coin_flip': expected one of ")


def test_several_problems_are_reported_together(toy_config):
    toy_config["moves"]["threat"]["by"] = "c"
    toy_config["solver"]["selection_rule"] = "coin_flip"
    assert len(problems(toy_config)) == 2


def test_missing_section(toy_config):
    del toy_config["talks"]
    assert problems(toy_config) == ["toy.toml: talks: missing; expected this key to be set"]


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[scenario]\nname = "x"\ntitle = \n')
    with pytest.raises(ConfigError) as info:
        read_config(path)
    assert str(info.value).startswith("broken.toml: (syntax): missing; expected valid TOML: ")
    assert "line 3" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="an existing TOML file"):
        load_scenario(tmp_path / "nope.toml")


def test_overrides_replace_values_by_key_path(toy_config):
    data, problems = with_overrides(toy_config, {"moves.threat.cost": 0.2})
    assert data["moves"]["threat"]["cost"] == 0.2 and not problems
    assert toy_config["moves"]["threat"]["cost"] == 0.05
    assert scenario_from_dict(toy_config, overrides={"moves.threat.cost": 0.2}).move("threat").cost == 0.2


def test_override_of_unknown_key_path_suggests(toy_config):
    with pytest.raises(ConfigError, match=r"moves.threat.cots = 0.2: expected an existing key path; did you mean 'moves.threat.cost'\?"):
        scenario_from_dict(toy_config, source="toy.toml", overrides={"moves.threat.cots": 0.2})


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_numbers_are_refused_naming_the_key_path(toy_config, bad):
    toy_config["sides"]["a"]["outcomes"]["deadlock"] = bad
    assert problems(toy_config) == [f"toy.toml: sides.a.outcomes.deadlock = {bad!r}: expected a finite number"]


def test_setting_a_weight_rescales_the_others(toy_config):
    # Two issues with weights 0.5 / 0.5: setting one to 0.8 leaves 0.2 for the other (the
    # same rule as a sweep, so a sweep row equals a run with --set).
    config = _two_issue_toy()
    scenario = scenario_from_dict(config, overrides={"sides.a.weights.split": 0.8})
    assert scenario.sides[0].weights == pytest.approx({"split": 0.8, "extra": 0.2})


def test_many_points_are_validated_like_single_runs(toy_config):
    # Each point's error text is the single run's, from one validation of arrays.
    costs = np.array([0.1, -0.2, 0.0, -1.0])
    q = np.array([0.1, 0.5, 1.5, -0.1])
    points = scenario_points(toy_config, {"moves.threat.cost": costs, "talks.breakdown_probability": q}, source="toy.toml")
    for i in range(4):
        try:
            scenario_from_dict(toy_config, source="toy.toml",
                               overrides={"moves.threat.cost": float(costs[i]), "talks.breakdown_probability": float(q[i])})
            expected = ""
        except ConfigError as error:
            expected = str(error)
        assert points.errors[i] == expected
        assert points.valid[i] == (expected == "")
    assert points.scenario.batch_size == int(points.valid.sum())


def test_numeric_key_paths_lists_sweepable_values(toy_config):
    paths = dict(numeric_key_paths(toy_config))
    assert paths["moves.threat.cost"] == 0.05
    assert paths["sides.b.outcomes.deadlock"] == 0.3
    assert "sides.a.label" not in paths


def _two_issue_toy() -> dict:
    from tests.conftest import TOY

    config = copy.deepcopy(TOY)
    config["issues"]["extra"] = {"levels": ["no", "yes"]}
    for side in ("a", "b"):
        config["sides"][side]["weights"] = {"split": 0.5, "extra": 0.5}
        config["sides"][side]["utilities"]["extra"] = [0.0, 1.0]
    for package in config["talks"]["packages"].values():
        package["extra"] = "no"
    return config
