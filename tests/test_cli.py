"""The `negotiation` command end to end: results, figures, JSON, and exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REQUIRED_FIELDS = {
    "scenario", "equilibrium_path", "outcome_probabilities", "payoffs", "leverage",
    "counterfactual", "equilibrium_count", "equilibrium_classes", "selection_rule",
}


def negotiation(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "negotiation.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


@pytest.fixture(scope="module")
def madrid_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("run") / "madrid"
    return negotiation("run", "--out", str(out)), out


def test_run_writes_summary_and_figures(madrid_run):
    proc, out = madrid_run
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert REQUIRED_FIELDS <= set(summary)
    assert summary["scenario"] == "madrid_2025"
    assert set(summary["outcome_probabilities"]) == {"truce", "deadlock", "escalation"}
    assert sum(summary["outcome_probabilities"].values()) == pytest.approx(1.0)
    assert sum(summary["counterfactual"]["outcome_probabilities"].values()) == pytest.approx(1.0)
    assert set(summary["payoffs"]) == {"us", "china"}
    assert set(summary["leverage"]) == {"entity_listing", "anti_dumping_probe"}
    assert set(summary["equilibrium_path"]) <= {"entity_listing", "anti_dumping_probe"}
    assert summary["counterfactual"]["equilibrium_path"] == []
    # the equilibria are summarised: their exact number and each distinct outcome's count
    assert summary["equilibrium_count"] == sum(c["count"] for c in summary["equilibrium_classes"]) > 0
    assert "equilibria" not in summary
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert len([f for f in figures if f.endswith(".png")]) >= 3
    assert len([f for f in figures if f.endswith(".pdf")]) >= 3
    for line in ("Equilibrium with the pre-talk moves", "Counterfactual: no pre-talk moves", "Leverage value"):
        assert line in proc.stdout


def test_json_flag_prints_the_summary(tmp_path):
    proc = negotiation("run", "--out", str(tmp_path), "--json", "--no-figures")
    assert proc.returncode == 0, proc.stderr
    assert REQUIRED_FIELDS <= set(json.loads(proc.stdout))


def test_all_equilibria_are_listed_on_request(tmp_path):
    proc = negotiation("run", "--out", str(tmp_path), "--json", "--no-figures", "--all-equilibria")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert len(summary["equilibria"]) == summary["equilibrium_count"]


def test_default_output_folder_is_results_scenario(tmp_path):
    proc = negotiation("run", "--no-figures", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "results" / "madrid_2025" / "summary.json").exists()


def _bad_copy(tmp_path: Path, madrid_text: str, old: str, new: str) -> Path:
    assert old in madrid_text
    path = tmp_path / "madrid_copy.toml"
    path.write_text(madrid_text.replace(old, new, 1))
    return path


def test_misspelled_key_exits_2_with_one_line(tmp_path, madrid_text):
    path = _bad_copy(tmp_path, madrid_text, "breakdown_probability = 0.10", "breakdown_probabilty = 0.10")
    proc = negotiation("run", str(path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "madrid_copy.toml: talks.breakdown_probabilty" in lines[0]
    assert "did you mean 'breakdown_probability'" in lines[0]


def test_weight_set_to_high_exits_2_naming_key_and_type(tmp_path, madrid_text):
    path = _bad_copy(tmp_path, madrid_text, "tariffs = 0.35", 'tariffs = "high"')
    proc = negotiation("run", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "madrid_copy.toml: sides.us.weights.tariffs = 'high': expected a number"


def test_validate_checks_without_solving(tmp_path, madrid_text):
    proc = negotiation("validate", "madrid_2025")
    assert proc.returncode == 0
    assert "valid scenario 'madrid_2025'" in proc.stdout
    path = _bad_copy(tmp_path, madrid_text, 'by = "us"', 'by = "eu"')
    proc = negotiation("validate", str(path))
    assert proc.returncode == 2
    assert "moves.entity_listing.by = 'eu': expected one of the sides: us, china" in proc.stderr


def test_bad_override_exits_2(tmp_path):
    proc = negotiation("run", "--set", "moves.entity_listing.cots=0.1", "--no-figures", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "did you mean 'moves.entity_listing.cost'" in proc.stderr


def test_missing_file_exits_2(tmp_path):
    proc = negotiation("run", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2
    assert "nope.toml" in proc.stderr and "Traceback" not in proc.stderr


def test_cost_override_changes_leverage_in_summary(tmp_path):
    def leverage(*extra: str) -> float:
        proc = negotiation("run", "--json", "--no-figures", "--out", str(tmp_path), *extra)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["leverage"]["entity_listing"]["value"]

    assert leverage("--set", "moves.entity_listing.cost=0.05") == pytest.approx(leverage() - 0.04, abs=1e-9)


@pytest.mark.parametrize(
    ("old", "new", "key_path"),
    [
        pytest.param("breakdown_probability = 0.10", "breakdown_probability = 1.5", "talks.breakdown_probability", id="range"),
        pytest.param("cost = 0.01", 'cost = "cheap"', "moves.entity_listing.cost", id="type"),
        pytest.param("tariffs = 0.35", "tariffs = 0.45", "sides.us.weights", id="weights-sum"),
        pytest.param('by = "china"', 'by = "eu"', "moves.anti_dumping_probe.by", id="unknown-side"),
        pytest.param('hold = "escalation"\nescalate = "escalation"\n', 'hold = "escalation"\n',
                     "talks.outcomes.escalate.escalate", id="outcome-map"),
        pytest.param('selection_rule = "logit_qre"', 'selection_rule = "coin"', "solver.selection_rule", id="rule"),
        pytest.param("[talks]\n", "[talk]\n", "talk", id="unknown-table"),
    ],
)
def test_each_kind_of_config_error_exits_2_naming_the_key(tmp_path, madrid_text, old, new, key_path):
    path = _bad_copy(tmp_path, madrid_text, old, new)
    proc = negotiation("validate", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"madrid_copy.toml: {key_path}" in proc.stderr.splitlines()[0]


def test_validate_checks_the_declared_uncertainty_and_sweep_as_a_run_would(tmp_path, madrid_text):
    # a distribution whose high is below its low: refused by validate, not only by run
    bad = tmp_path / "bad.toml"
    bad.write_text(madrid_text.replace('[uncertainty."talks.breakdown_to_escalation"]\ndistribution = "uniform"\n'
                                       'low = 0.2', '[uncertainty."talks.breakdown_to_escalation"]\n'
                                       'distribution = "uniform"\nlow = 0.9'), encoding="utf-8")
    assert bad.read_text(encoding="utf-8") != madrid_text
    done = negotiation("validate", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "uncertainty.talks.breakdown_to_escalation.high = 0.8: expected a number greater than low (0.9)" in done.stderr
    good = negotiation("validate", "madrid_2025")
    assert good.returncode == 0 and "declared uncertainties" in good.stdout


@pytest.mark.parametrize(("table", "expected"), [
    ('[uncertainty."talks.breakdown_probability"]\ndistribution = ["uniform"]\nlow = 0.0\nhigh = 0.2\n',
     "expected a known distribution"),
    ('[sweep]\ndesign = ["grid"]\n', "sweep.design = ['grid']: expected a string"),
])
def test_validate_refuses_a_list_where_a_name_is_expected(tmp_path, madrid_text, table, expected):
    # found by the property test (tests/test_properties.py): a TypeError traceback before
    import re

    text = re.sub(r'\[uncertainty\."talks\.breakdown_probability"\]\n(?:[a-z]+ = .*\n)+', "", madrid_text)
    assert text != madrid_text
    bad = tmp_path / "bad.toml"
    bad.write_text(text + "\n" + table, encoding="utf-8")
    done = negotiation("validate", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr and expected in done.stderr, done.stderr
