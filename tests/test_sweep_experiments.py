"""Smoke tests of the sweep experiments: each runs at size="smoke" and writes sane outputs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURE_TYPES = ("png", "pdf")


def _load(name: str):
    path = ROOT / "experiments" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures(out: Path, *stems: str) -> None:
    for stem in stems:
        for ext in FIGURE_TYPES:
            figure = out / "figures" / f"{stem}.{ext}"
            assert figure.is_file() and figure.stat().st_size > 1000, figure


def _sane_table(table: pd.DataFrame, n: int) -> None:
    assert len(table) == n
    assert (table["status"] != "invalid").all()
    p = table[["p_truce", "p_deadlock", "p_escalation"]].to_numpy()
    assert ((p >= -1e-12) & (p <= 1 + 1e-12)).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9)


def test_tariff_rollback_vs_rare_earths_smoke(tmp_path):
    module = _load("tariff_rollback_vs_rare_earths")
    assert "Question" in module.__doc__ and "tariffs[3]" in module.__doc__ and "rare_earths[0]" in module.__doc__
    out = module.main(tmp_path / "a", size="smoke")
    summary = json.loads((out / "summary.json").read_text())
    # no stance-game package contains "restricted" rare earths, so its utility cannot matter
    assert summary["restricted_rare_earths_is_live"] is True
    for name, (x, y) in (("rare_earth_weight", (module.ROLLBACK, module.RARE_EARTH_WEIGHT)),
                         ("restricted_rare_earths", (module.ROLLBACK, module.RESTRICTED))):
        table = pd.read_parquet(out / f"sweep_{name}" / "sweep.parquet")
        _sane_table(table, 25)
        assert (table[x].min(), table[x].max()) == (0.0, 1.0) and table[y].nunique() == 5
        assert len(pd.read_csv(out / f"listing_threshold_{name}.csv")) == 5
        shares = summary["maps"][name]["verdict_shares"]
        assert sum(shares.values()) == pytest.approx(1.0)
        _figures(out, f"outcome_{name}", f"paths_{name}")
    csv = pd.read_csv(out / "shares.csv")
    assert set(csv["kind"]) == {"verdict", "equilibrium_path"}
    assert csv.groupby(["map", "kind"])["share"].sum().round(12).eq(1.0).all()


def test_listing_cost_vs_probe_harm_smoke_and_resume(tmp_path):
    module = _load("listing_cost_vs_probe_harm")
    assert "Question" in module.__doc__ and "deadlock_shift.us" in module.__doc__
    out = module.main(tmp_path / "b", size="smoke")
    summary = json.loads((out / "summary.json").read_text())
    # the probe's harm is paid in every outcome and is not China's payoff: it changes no choice
    assert summary["probe_harm_changes_nothing"] is True
    table = pd.read_parquet(out / "sweep" / "sweep.parquet")
    _sane_table(table, 25)
    assert (table[module.LISTING_COST].min(), table[module.LISTING_COST].max()) == (0.0, 0.10)
    thresholds = pd.read_csv(out / "listing_threshold.csv")
    assert len(thresholds) == 5 and set(thresholds[module.PROBE_DAMAGE]) == set(table[module.PROBE_DAMAGE])
    _figures(out, "outcome", "paths")
    # a second run reuses the checkpointed sweep
    chunks = sorted((out / "sweep" / "chunks").glob("*.parquet"))
    stamps = [c.stat().st_mtime_ns for c in chunks]
    module.main(out, size="smoke")
    assert [c.stat().st_mtime_ns for c in chunks] == stamps


def test_madrid_robustness_smoke(tmp_path):
    module = _load("madrid_robustness")
    assert "Question" in module.__doc__ and "uncertainty" in module.__doc__
    out = module.main(tmp_path / "c", size="smoke")
    summary = json.loads((out / "summary.json").read_text())
    table = pd.read_parquet(out / "sweep" / "sweep.parquet")
    _sane_table(table, 64)
    truce = summary["truce_probability"]
    assert truce["n"] == 64 and 0 <= truce["ci_low"] <= truce["mean"] <= truce["ci_high"] <= 1
    assert truce["mean"] == pytest.approx(table["p_truce"].mean())
    share = summary["headline_verdict_share"]
    assert 0 <= share["ci_low"] <= share["share"] <= share["ci_high"] <= 1 and share["n"] == 64
    k = len(module.read_config(module.default_config_path())["uncertainty"])  # declared distributions
    sobol = pd.read_csv(out / "sobol_indices.csv")
    assert len(sobol) == 2 * k and np.isfinite(sobol[["first_order", "total_order"]].to_numpy()).all()
    assert len(pd.read_csv(out / "tornado.csv")) == k
    flips = pd.read_csv(out / "verdict_flips.csv")
    assert len(flips) == k and (flips["searched_low"] <= flips["base_value"]).all()
    findings = (out / "findings.md").read_text()
    assert f"{truce['mean']:.3f}" in findings and "Sobol" in findings and "flips" in findings
    _figures(out, "truce_probability", "sobol_p_truce", "sobol_verdict", "tornado", "outcome_top_two")
