"""The 2025 backtest: each round forecast from earlier rounds only, against baselines.

The oracles: the dates and levels of the as-of scenarios read from the file by hand, the
no-look-ahead property itself (changing what happened in later rounds changes no earlier row),
the persistence and uniform baselines computed by hand, and round one's forecast (no earlier
round: uniform play).
"""

from __future__ import annotations

import copy
import datetime
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negotiation.io.config import default_config_path, read_config
from negotiation.io.rounds import rounds_from_dict
from negotiation.study.backtest import BACKTEST_COLUMNS, backtest, config_before_round

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def config() -> dict:
    return read_config(default_config_path("us_china_2025"))


@pytest.fixture(scope="module")
def first_rounds(config) -> pd.DataFrame:
    return backtest(config, source="us_china_2025.toml", last=4, grid=3, maxiter=10)


def test_the_model_of_a_round_is_written_on_its_eve(config):
    for k, round_ in enumerate(config["rounds"]):
        before = config_before_round(config, k)
        assert before["scenario"]["as_of"] == round_["date"] - datetime.timedelta(days=1)
        assert [r["name"] for r in before["rounds"]] == [r["name"] for r in config["rounds"][: k + 1]]
        assert "observed" not in before["rounds"][k]  # the round's outcome is what is forecast
        for earlier in before["rounds"][:k]:
            assert earlier["date"] <= before["scenario"]["as_of"] and "observed" in earlier
        for entry in (before.get("sources") or {}).values():
            assert not entry.get("fact") or entry["date"] <= before["scenario"]["as_of"]
        rounds_from_dict(before, source=f"as of round {k}")  # valid, against its own as_of


def test_levels_only_later_decisions_create_are_not_in_earlier_models(config):
    geneva = config_before_round(config, 0)
    assert geneva["issues"]["export_controls"]["levels"] == ["pre_london"]
    assert geneva["issues"]["rare_earths"]["levels"] == ["licences_withheld"]
    assert geneva["issues"]["tariffs"]["levels"] == ["april_peak", "truce"]
    listing = config_before_round(config, 3)  # 12 Sept: no affiliates rule, no October controls yet
    assert "affiliates" not in listing["issues"]["export_controls"]["levels"]
    assert "broad_controls" not in listing["issues"]["rare_earths"]["levels"]
    utilities = listing["sides"]["us"]["utilities"]["export_controls"]
    full = config["sides"]["us"]["utilities"]["export_controls"]
    levels = config["issues"]["export_controls"]["levels"]
    assert utilities == [full[levels.index(x)] for x in listing["issues"]["export_controls"]["levels"]]


def test_later_rounds_change_no_earlier_forecast(config, first_rounds):
    changed = copy.deepcopy(config)
    for round_ in changed["rounds"][5:]:  # rewrite history after the probe
        round_["observed"] = {side: actions[-1] for side, actions in round_["actions"].items()}
    again = backtest(changed, source="changed.toml", last=4, grid=3, maxiter=10)
    pd.testing.assert_frame_equal(first_rounds, again)


def test_the_rows_and_their_baselines(first_rounds):
    table = first_rounds
    assert list(table.columns) == list(BACKTEST_COLUMNS)
    assert list(table["round"]) == ["geneva", "london", "stockholm", "entity_listing", "analog_chip_probe"]
    geneva = table.iloc[0]
    # nothing earlier: uniform play, and the uniform baseline, for two movers with two actions
    assert geneva["fitted_on"] == "" and geneva["p_observed"] == pytest.approx(0.25)
    assert geneva["p_uniform"] == pytest.approx(0.25) and geneva["p_persistence"] == pytest.approx(0.25)
    assert table.iloc[4]["fitted_on"] == "geneva;london;stockholm;entity_listing"
    np.testing.assert_allclose(table["log_score"], np.log(table["p_observed"]))
    # persistence: both sides conciliatory at Geneva, conciliatory again in London (0.9 each);
    # the US conciliatory at Stockholm, firm with the listing (0.1)
    assert table.iloc[1]["p_persistence"] == pytest.approx(0.81)
    assert table.iloc[3]["p_persistence"] == pytest.approx(0.1)
    assert ((table["p_observed"] >= 0) & (table["p_observed"] <= 1)).all()


def test_the_experiment_writes_its_table_summary_and_figure(tmp_path):
    spec = importlib.util.spec_from_file_location("backtest_2025", ROOT / "experiments" / "backtest_2025.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "Question" in module.__doc__
    out = module.main(tmp_path / "b", smoke=True)
    table = pd.read_csv(out / "backtest.csv", keep_default_na=False)
    assert list(table.columns) == list(BACKTEST_COLUMNS) and len(table) == 4
    summary = __import__("json").loads((out / "summary.json").read_text())
    assert summary["total_log_score"]["model"] == pytest.approx(table["log_score"].sum())
    assert summary["total_log_score"]["uniform"] == pytest.approx(np.log(table["p_uniform"].astype(float)).sum())
    assert (out / "figures" / "backtest.png").exists() and (out / "figures" / "backtest.pdf").exists()
