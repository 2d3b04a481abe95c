"""Sweeps: designs and their validation, checkpoints and resume, executors, streamed tables,
phase maps."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

import negotiation.study.sweep as sweep_module
from negotiation.io.config import ConfigError
from negotiation.study.design import (
    DESIGNS,
    default_chunk_size,
    design_points,
    sweep_design,
    unit_points,
)
from negotiation.study.points import solve_points
from negotiation.study.sweep import (
    CHUNKS,
    CheckpointConflict,
    MissingDependency,
    SweepIncomplete,
    chunk_bounds,
    chunk_path,
    read_manifest,
    read_sweep,
    run_sweep,
)
from tests.conftest import TOY

A_DEADLOCK = "sides.a.outcomes.deadlock"
B_DEADLOCK = "sides.b.outcomes.deadlock"
COST = "moves.threat.cost"
BREAKDOWN = "talks.breakdown_probability"


def toy(**tables) -> dict:
    config = copy.deepcopy(TOY)
    config.update(tables)
    return config


def grid_over(*specs: tuple[str, float, float, int], chunk_size: int | None = None, **tables):
    """A grid design over the toy scenario: (key, low, high, points) per parameter."""
    parameters = {key: {"low": lo, "high": hi, "points": n} for key, lo, hi, n in specs}
    sweep = {"parameters": parameters, **({"chunk_size": chunk_size} if chunk_size else {})}
    config = toy(sweep=sweep, **tables)
    return config, sweep_design(config, source="toy.toml")


# ---------------------------------------------------------------- designs


def test_grid_has_the_product_of_the_axes_first_parameter_slowest():
    _, design = grid_over((A_DEADLOCK, 0.0, 1.0, 3), (COST, 0.0, 0.1, 2), (BREAKDOWN, 0.1, 0.4, 4))
    points = design_points(design)
    assert design.n_points == 3 * 2 * 4 == points.shape[0]
    assert design.key_paths == (A_DEADLOCK, COST, BREAKDOWN)
    assert_allclose(np.unique(points[:, 0]), [0.0, 0.5, 1.0], atol=0)
    assert_allclose(np.unique(points[:, 2]), np.linspace(0.1, 0.4, 4), atol=0)
    # C order: the last parameter varies fastest.
    assert_allclose(points[:5], [[0, 0, 0.1], [0, 0, 0.2], [0, 0, 0.3], [0, 0, 0.4], [0, 0.1, 0.1]], atol=1e-15)
    assert len({tuple(p) for p in points}) == 24


def test_grid_with_explicit_values():
    config = toy(sweep={"parameters": {COST: {"values": [0.0, 0.05, 0.2]}, A_DEADLOCK: {"values": [0.4, 0.1]}}})
    points = design_points(sweep_design(config))
    assert points.tolist() == [[0.0, 0.4], [0.0, 0.1], [0.05, 0.4], [0.05, 0.1], [0.2, 0.4], [0.2, 0.1]]


@pytest.mark.parametrize("design", ["sobol", "latin_hypercube", "monte_carlo"])
def test_sampled_designs_map_the_unit_cube_to_the_ranges_reproducibly(design):
    config = toy(sweep={"design": design, "samples": 32, "seed": 7,
                        "parameters": {A_DEADLOCK: {"low": 0.2, "high": 0.6}, COST: {"low": 0.0, "high": 0.1}}})
    first = design_points(sweep_design(config))
    again = design_points(sweep_design(copy.deepcopy(config)))
    config["sweep"]["seed"] = 8
    other = design_points(sweep_design(config))
    assert first.shape == (32, 2)
    assert np.array_equal(first, again), "same seed, same points"
    assert not np.array_equal(first, other), "another seed, other points"
    assert (first[:, 0] > 0.2).all() and (first[:, 0] < 0.6).all()
    assert (first[:, 1] > 0.0).all() and (first[:, 1] < 0.1).all()
    # Each point is the inverse uniform CDF of the design's unit point.
    u = unit_points(design, 32, 2, seed=7)
    assert_allclose(first, np.column_stack([0.2 + 0.4 * u[:, 0], 0.1 * u[:, 1]]), atol=1e-15)


@pytest.mark.parametrize("design", ["sobol", "latin_hypercube"])
def test_quasi_random_designs_are_stratified(design):
    # LHS by construction, and scrambled Sobol' for n = 2^m points: each of the n strata
    # [k/n, (k+1)/n) of every coordinate holds exactly one point.
    u = unit_points(design, 16, 3, seed=1)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 16).astype(int)) == list(range(16))


def test_monte_carlo_distributions_match_their_moments():
    # Sample means within 5 standard errors; closed forms: triangular mean (l+m+h)/3,
    # lognormal median e^mu, beta on [lo, hi] mean lo + (hi-lo) a/(a+b).
    n = 4000
    config = toy(
        sweep={"design": "monte_carlo", "samples": n, "seed": 11},
        uncertainty={
            A_DEADLOCK: {"distribution": "normal", "mean": 0.4, "sd": 0.05},
            B_DEADLOCK: {"distribution": "triangular", "low": 0.1, "mode": 0.2, "high": 0.6},
            "sides.a.outcomes.escalation": {"distribution": "lognormal", "mu": -2.0, "sigma": 0.3},
            BREAKDOWN: {"distribution": "beta", "a": 2.0, "b": 6.0, "low": 0.0, "high": 0.5},
            COST: {"distribution": "choice", "values": [0.0, 0.1], "weights": [3.0, 1.0]},
            "sides.b.outcomes.escalation": {"distribution": "uniform", "low": -0.2, "high": 0.2},
        },
    )
    design = sweep_design(config)
    assert [d.kind for d in design.dimensions] == ["normal", "triangular", "lognormal", "beta", "discrete", "uniform"]
    x = design_points(design)

    def close(sample, dist, mean):
        assert abs(sample.mean() - mean) < 5 * dist.std() / np.sqrt(n)

    close(x[:, 0], stats.norm(0.4, 0.05), 0.4)
    close(x[:, 1], stats.triang(0.2, loc=0.1, scale=0.5), (0.1 + 0.2 + 0.6) / 3)
    assert abs(np.median(x[:, 2]) - np.exp(-2.0)) < 0.01
    close(x[:, 3], stats.beta(2, 6, scale=0.5), 0.5 * 2 / 8)
    assert set(np.unique(x[:, 4])) == {0.0, 0.1}
    assert abs((x[:, 4] == 0.0).mean() - 0.75) < 5 * np.sqrt(0.75 * 0.25 / n)
    assert abs(np.quantile(x[:, 5], 0.25) - (-0.1)) < 0.02
    assert (x[:, 1] >= 0.1).all() and (x[:, 1] <= 0.6).all()


def test_sobol_maps_uncertain_values_through_their_quantile_functions():
    config = toy(sweep={"design": "sobol", "samples": 1024, "seed": 0},
                 uncertainty={A_DEADLOCK: {"distribution": "normal", "mean": 0.4, "sd": 0.05}})
    x = design_points(sweep_design(config))[:, 0]
    assert abs(x.mean() - 0.4) < 1e-3  # QMC: far closer than Monte Carlo's 0.05/32
    assert abs(x.std() - 0.05) < 2e-3


def test_grid_holds_uncertain_values_fixed_and_parameters_take_precedence():
    config = toy(sweep={"design": "latin_hypercube", "samples": 8, "parameters": {A_DEADLOCK: {"low": 0.0, "high": 0.5}}},
                 uncertainty={A_DEADLOCK: {"distribution": "normal", "mean": 0.4, "sd": 0.05},
                              B_DEADLOCK: {"distribution": "uniform", "low": 0.1, "high": 0.2}})
    design = sweep_design(config)
    assert design.key_paths == (A_DEADLOCK, B_DEADLOCK)
    assert [d.kind for d in design.dimensions] == ["range", "uniform"]
    grid = sweep_design(config, overrides={"design": "grid", "parameters": {COST: {"low": 0.0, "high": 0.1, "points": 3}}})
    assert grid.key_paths == (COST,)
    assert grid.held_fixed == (A_DEADLOCK, B_DEADLOCK)
    assert grid.seed is None and grid.samples is None


def test_command_line_overrides_the_file_setting_by_setting():
    config = toy(sweep={"design": "sobol", "samples": 16, "seed": 3, "chunk_size": 5,
                        "parameters": {A_DEADLOCK: {"low": 0.0, "high": 0.5}}})
    design = sweep_design(config, overrides={"samples": 8, "seed": None,
                                             "parameters": {COST: {"low": 0.0, "high": 0.1}}})
    assert (design.design, design.samples, design.seed, design.chunk_size) == ("sobol", 8, 3, 5)
    assert design.key_paths == (COST,)


def test_chunks_cover_the_points_and_their_default_size_depends_on_the_points_only():
    assert chunk_bounds(7, 3) == ((0, 3), (3, 6), (6, 7))
    assert chunk_bounds(0, 3) == ()
    # chunks of 16,384 points whatever the number of workers (one chunk up to 16,384 points)
    assert [default_chunk_size(n) for n in (1, 32, 16384, 16385, 10**5, 10**6)] == [16384] * 6
    assert [len(chunk_bounds(n, default_chunk_size(n))) for n in (1, 16384, 16385, 10**5, 10**6)] == [1, 1, 2, 7, 62]


SWEEP_TOML = f'''
[sweep]
design = "grid"
chunk_size = 4

[sweep.parameters."{A_DEADLOCK}"]
low = 0.0
high = 0.6
points = 4

# Nested tables without quotes name the same key path.
[sweep.parameters.moves.threat.cost]
low = 0.0
high = 0.1
points = 3

[uncertainty."{BREAKDOWN}"]
distribution = "beta"
a = 2.0
b = 5.0
'''


def test_a_toml_sweep_section():
    config = toy(**tomllib.loads(SWEEP_TOML))
    design = sweep_design(config, source="toy.toml")
    assert design.key_paths == (A_DEADLOCK, COST)
    assert (design.n_points, design.chunk_size, design.n_chunks) == (12, 4, 3)
    assert design.held_fixed == (BREAKDOWN,)
    assert json.loads(json.dumps(design.as_dict())) == design.as_dict()
    sampled = sweep_design(config, overrides={"design": "monte_carlo", "samples": 10})
    assert sampled.key_paths == (A_DEADLOCK, COST, BREAKDOWN)


@dataclass(frozen=True)
class BadSweep:
    name: str
    sweep: dict | None
    uncertainty: dict | None
    expected: tuple[str, ...]  # one substring per expected line, in order
    overrides: dict = field(default_factory=dict)


def _range(lo=0.0, hi=1.0, n=3):
    return {"low": lo, "high": hi, "points": n}


BAD_SWEEPS = [
    BadSweep("unknown key path, did you mean", {"parameters": {"sides.a.outcomes.deadlok": _range()}}, None,
             ("toy.toml: sweep.parameters.sides.a.outcomes.deadlok = a table: expected a numeric key path of the "
              "scenario; did you mean 'sides.a.outcomes.deadlock'?",)),
    BadSweep("not a number", {"parameters": {"scenario.title": _range()}}, None,
             ("sweep.parameters.scenario.title = a table: expected a numeric key path (scenario.title holds a string",)),
    BadSweep("a table", {"parameters": {"moves.threat.effects.deadlock_shift": _range()}}, None,
             ("did you mean 'moves.threat.effects.deadlock_shift.b'?",)),
    BadSweep("low above high", {"parameters": {A_DEADLOCK: _range(0.5, 0.1)}}, None,
             ("sweep.parameters.sides.a.outcomes.deadlock.high = 0.1: expected a number greater than low (0.5)",)),
    BadSweep("one grid point", {"parameters": {A_DEADLOCK: _range(n=1)}}, None,
             ("sweep.parameters.sides.a.outcomes.deadlock.points = 1: expected a number greater than or equal to 2",)),
    BadSweep("points missing", {"parameters": {A_DEADLOCK: {"low": 0.0, "high": 1.0}}}, None,
             ("sweep.parameters.sides.a.outcomes.deadlock.points: missing; expected the number of grid points",)),
    BadSweep("a string for a number", {"parameters": {A_DEADLOCK: {"low": "0", "high": 1.0, "points": 2}}}, None,
             ("sweep.parameters.sides.a.outcomes.deadlock.low = '0': expected a number",)),
    BadSweep("misspelled key", {"parameters": {A_DEADLOCK: {"low": 0.0, "hgih": 1.0, "points": 2}}}, None,
             ("sweep.parameters.sides.a.outcomes.deadlock.hgih = 1.0: expected no such key; did you mean 'high'?",)),
    BadSweep("unknown design", {"design": "sobl", "parameters": {A_DEADLOCK: _range()}}, None,
             ("sweep.design = 'sobl': expected a design: did you mean 'sobol'?",)),
    BadSweep("unknown sweep key", {"sampels": 3, "parameters": {A_DEADLOCK: _range()}}, None,
             ("sweep.sampels = 3: expected no such key; did you mean 'samples'?",)),
    BadSweep("nothing to sweep", {"design": "grid"}, None,
             ("sweep.parameters: missing; expected at least one parameter",)),
    BadSweep("values under a sampled design", {"design": "sobol", "parameters": {A_DEADLOCK: {"values": [0.1, 0.2]}}},
             None, ("sweep.parameters.sides.a.outcomes.deadlock.values = [0.1, 0.2]: expected low and high instead",)),
    BadSweep("distributions", {"design": "monte_carlo"}, {
        A_DEADLOCK: {"distribution": "normal", "mean": 0.4, "sd": 0.0},
        B_DEADLOCK: {"distribution": "gamma", "k": 2.0},
        COST: {"distribution": "triangular", "low": 0.0, "mode": 0.3, "high": 0.2},
        BREAKDOWN: {"distribution": "discrete", "values": [0.1, 0.2], "weights": [1.0]},
        "sides.a.outcomes.escalaton": {"distribution": "uniform", "low": 0.0, "high": 1.0},
    }, (
        "uncertainty.sides.a.outcomes.deadlock.sd = 0.0: expected a number greater than 0",
        "uncertainty.sides.b.outcomes.deadlock.distribution = 'gamma': expected a known distribution",
        "uncertainty.moves.threat.cost.mode = 0.3: expected a number in [low, high] = [0, 0.2]",
        "uncertainty.talks.breakdown_probability.weights = [1.0]: expected 2 numbers, one per value",
        "uncertainty.sides.a.outcomes.escalaton = a table: expected a numeric key path of the scenario; "
        "did you mean 'sides.a.outcomes.escalation'?",
    )),
    BadSweep("command line", {"parameters": {A_DEADLOCK: _range()}}, None, (
        "command line: --samples = 0: expected a number greater than or equal to 1",
    ), overrides={"samples": 0}),
    BadSweep("command line parameters", {"parameters": {A_DEADLOCK: _range()}}, None, (
        "--param: sides.a.outcomes.deadlok = '0:1:3': expected a numeric key path of the scenario; did you mean",
        "--param: moves.threat.cost = '0.3:0.1:3': expected LO < HI (here 0.3 >= 0.1)",
        "--param: talks.breakdown_probability = '0:1': expected KEY=LO:HI:N with N >= 2",
    ), overrides={"parameters": {"sides.a.outcomes.deadlok": _range(), COST: _range(0.3, 0.1),
                                 BREAKDOWN: {"low": 0.0, "high": 1.0}}}),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in BAD_SWEEPS])
def test_bad_sweep_tables_name_every_problem(case: BadSweep):
    tables = {k: v for k, v in (("sweep", case.sweep), ("uncertainty", case.uncertainty)) if v is not None}
    with pytest.raises(ConfigError) as raised:
        sweep_design(toy(**tables), source="toy.toml", overrides=case.overrides)
    lines = str(raised.value).splitlines()
    assert len(lines) == len(case.expected), lines
    for line, expected in zip(lines, case.expected, strict=True):
        assert expected in line


# ---------------------------------------------------------------- running and checkpoints


@dataclass
class CountingSolver:
    """The real batch solver, counting its calls (chunks); optionally interrupted on a call."""

    interrupt_on: int | None = None
    fail_points: frozenset[float] = frozenset()
    calls: list = field(default_factory=list)
    seen_on_disk: list = field(default_factory=list)
    out: Path | None = None

    def __call__(self, base, overrides, *, source):
        if self.out is not None:
            self.seen_on_disk.append(len(list((self.out / CHUNKS).glob("chunk-*.parquet"))))
        if self.interrupt_on is not None and len(self.calls) == self.interrupt_on:
            raise KeyboardInterrupt
        first = float(next(iter(overrides.values()))[0])
        if first in self.fail_points:
            raise RuntimeError("solver exploded")
        self.calls.append(first)
        return solve_points(base, overrides, source=source)


def sweep_of_toy(chunk_size=2):
    return grid_over((A_DEADLOCK, 0.0, 1.0, 4), (COST, 0.0, 0.3, 3), chunk_size=chunk_size)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[pd.DataFrame, bytes]:
    """The toy sweep run in one go: its table and its CSV bytes."""
    config, design = sweep_of_toy()
    out = tmp_path_factory.mktemp("reference")
    result = run_sweep(config, design, out, source="toy.toml")
    return result.table, (out / "sweep.csv").read_bytes()


def test_a_sweep_writes_one_tidy_row_per_point(reference, tmp_path):
    table, _ = reference
    config, design = sweep_of_toy()
    assert len(table) == 12
    assert list(table.columns[:3]) == ["point", A_DEADLOCK, COST]
    assert {"equilibrium_path", "p_truce", "p_deadlock", "p_escalation", "payoff_a", "payoff_b", "status",
            "exact_fallback", "error"} <= set(table.columns)
    assert table["point"].tolist() == list(range(12))
    assert_allclose(table[[A_DEADLOCK, COST]].to_numpy(), design_points(design), atol=0)
    # Each row is the one-point answer at its point.
    expected = solve_points(TOY, {A_DEADLOCK: table[A_DEADLOCK].to_numpy(), COST: table[COST].to_numpy()})
    assert_allclose(table["p_truce"], expected["p_truce"], atol=1e-12)
    assert table["status"].tolist() == expected["status"].tolist()


def test_each_chunk_is_on_disk_before_the_next_is_solved(tmp_path):
    config, design = sweep_of_toy()
    solver = CountingSolver(out=tmp_path)
    result = run_sweep(config, design, tmp_path, solver=solver)
    assert solver.seen_on_disk == list(range(design.n_chunks))
    assert result.computed == tuple(range(6)) and result.reused == ()
    manifest = read_manifest(tmp_path)
    assert manifest["points"] == 12 and manifest["chunks"] == 6 and manifest["design"] == design.as_dict()
    assert_allclose(pd.read_parquet(chunk_path(tmp_path, 5))["point"], [10, 11], atol=0)


def test_interrupted_sweep_resumes_without_recomputing_to_the_same_table(reference, tmp_path):
    table, csv = reference
    config, design = sweep_of_toy()
    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, design, tmp_path, solver=CountingSolver(interrupt_on=2), source="toy.toml")
    assert sorted(p.name for p in (tmp_path / CHUNKS).iterdir()) == ["chunk-000000.parquet", "chunk-000001.parquet"]
    assert not (tmp_path / "sweep.csv").exists()
    # A write cut short by a kill leaves a temporary file: it is ignored and cleaned up.
    (tmp_path / CHUNKS / ".chunk-000002.parquet.tmp-999").write_bytes(b"partial")
    solver = CountingSolver()
    result = run_sweep(config, design, tmp_path, solver=solver, resume=True, source="toy.toml")
    assert result.reused == (0, 1) and result.computed == (2, 3, 4, 5)
    assert len(solver.calls) == 4, "finished chunks are not recomputed"
    pd.testing.assert_frame_equal(result.table, table)
    assert (tmp_path / "sweep.csv").read_bytes() == csv
    pd.testing.assert_frame_equal(read_sweep(tmp_path), table)
    assert not list((tmp_path / CHUNKS).glob(".*"))
    # Resuming a finished sweep computes nothing and rewrites the same table.
    again = CountingSolver()
    run_sweep(config, design, tmp_path, solver=again, resume=True, source="toy.toml")
    assert again.calls == [] and (tmp_path / "sweep.csv").read_bytes() == csv


def test_a_failed_chunk_leaves_the_others_saved_and_is_computed_on_resume(reference, tmp_path):
    table, _ = reference
    config, design = sweep_of_toy()
    # Chunk 2 holds points 4 and 5, the only chunk whose first value of A_DEADLOCK is 1/3.
    solver = CountingSolver(fail_points=frozenset({float(design_points(design)[4, 0])}))
    with pytest.raises(SweepIncomplete, match=r"1 of 6 chunks failed \(chunk 2: RuntimeError: solver exploded\)") as raised:
        run_sweep(config, design, tmp_path, solver=solver)
    assert raised.value.failed == (2,)
    assert "--resume" in str(raised.value)
    assert len(solver.calls) == 5
    result = run_sweep(config, design, tmp_path, solver=CountingSolver(), resume=True, source="toy.toml")
    assert result.computed == (2,)
    pd.testing.assert_frame_equal(result.table, table)


def test_a_chunk_file_not_matching_the_design_is_recomputed(reference, tmp_path):
    table, _ = reference
    config, design = sweep_of_toy()
    run_sweep(config, design, tmp_path, source="toy.toml")
    chunk_path(tmp_path, 4).write_bytes(b"not parquet")
    pd.read_parquet(chunk_path(tmp_path, 0)).assign(point=[7, 8]).to_parquet(chunk_path(tmp_path, 1))
    result = run_sweep(config, design, tmp_path, solver=CountingSolver(), resume=True, source="toy.toml")
    assert result.replaced == (1, 4) and result.computed == (1, 4)
    pd.testing.assert_frame_equal(result.table, table)


def test_a_changed_design_or_config_refuses_to_resume(tmp_path):
    config, design = sweep_of_toy()
    with pytest.raises(KeyboardInterrupt):
        run_sweep(config, design, tmp_path, solver=CountingSolver(interrupt_on=1))
    _, finer = grid_over((A_DEADLOCK, 0.0, 1.0, 5), (COST, 0.0, 0.3, 3), chunk_size=2)
    with pytest.raises(CheckpointConflict, match=r"holds a different sweep \(1 of 6 chunks done\).*design.dimensions"):
        run_sweep(config, finer, tmp_path, resume=True)
    _, rechunked = sweep_of_toy(chunk_size=3)
    with pytest.raises(CheckpointConflict, match=r"design.chunk_size: 2 -> 3"):
        run_sweep(config, rechunked, tmp_path, resume=True)
    changed = copy.deepcopy(config)
    changed["sides"]["b"]["outcomes"]["escalation"] = -0.1
    with pytest.raises(CheckpointConflict, match="the scenario config"):
        run_sweep(changed, design, tmp_path, resume=True)
    with pytest.raises(CheckpointConflict, match=r"already holds this sweep \(1 of 6 chunks done\); use --resume"):
        run_sweep(config, design, tmp_path)
    # --force starts over.
    solver = CountingSolver()
    result = run_sweep(config, finer, tmp_path, force=True, solver=solver)
    assert len(solver.calls) == finer.n_chunks and result.reused == ()
    assert read_manifest(tmp_path)["design"] == finer.as_dict()


def test_comments_and_sweep_tables_do_not_change_the_config_hash(tmp_path):
    config, design = sweep_of_toy()
    run_sweep(config, design, tmp_path)
    other = copy.deepcopy(config)
    other["uncertainty"] = {BREAKDOWN: {"distribution": "uniform", "low": 0.0, "high": 0.1}}
    assert run_sweep(other, design, tmp_path, resume=True).computed == ()


@pytest.mark.parametrize("design_name", ["sobol", "monte_carlo"])
def test_sampled_sweep_rows_carry_their_seed(tmp_path, design_name):
    config = toy(sweep={"design": design_name, "samples": 5, "seed": 42, "chunk_size": 2,
                        "parameters": {A_DEADLOCK: {"low": 0.0, "high": 1.0}}})
    result = run_sweep(config, sweep_design(config), tmp_path)
    assert list(result.table.columns[:3]) == ["point", "seed", A_DEADLOCK]
    assert result.table["seed"].tolist() == [42] * 5


def test_invalid_points_get_a_status_not_an_exception(tmp_path):
    # A breakdown probability above 1 fails the same validation as a single run.
    config, design = grid_over((BREAKDOWN, 0.5, 1.5, 3))
    table = run_sweep(config, design, tmp_path).table
    assert table["status"].tolist()[2] == "invalid"
    assert "talks.breakdown_probability = 1.5" in table["error"].iloc[2]
    assert np.isnan(table["p_truce"].iloc[2]) and not np.isnan(table["p_truce"].iloc[0])


def test_progress_bar_on_request(tmp_path, capsys):
    config, design = sweep_of_toy(chunk_size=6)
    run_sweep(config, design, tmp_path, progress=True)
    assert "12/12" in capsys.readouterr().err


# ---------------------------------------------------------------- the streamed table


def test_the_table_is_streamed_from_the_chunks_in_row_groups(reference, tmp_path, monkeypatch):
    # Row groups of at least 5 rows over chunks of 2: chunks gathered into groups of 6 and 6 rows.
    table, csv = reference
    monkeypatch.setattr(sweep_module, "ROW_GROUP", 5)
    config, design = sweep_of_toy()
    result = run_sweep(config, design, tmp_path, source="toy.toml")
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "sweep.parquet").metadata.num_row_groups == 2
    chunks = pd.concat([pd.read_parquet(chunk_path(tmp_path, i)) for i in range(design.n_chunks)],
                       ignore_index=True)
    pd.testing.assert_frame_equal(result.table, chunks)
    pd.testing.assert_frame_equal(result.table, table)
    assert (tmp_path / "sweep.csv").read_bytes() == csv
    # The CSV is an independent copy: read back by pandas it is the table, every float exactly.
    floats = [c for c in table.columns if table[c].dtype.kind == "f"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "sweep.csv", keep_default_na=False,
                                              na_values={c: [""] for c in floats},
                                              dtype={c: "float64" for c in floats}),
                                  table, check_exact=True)
    pd.testing.assert_frame_equal(result.read(["point", "p_truce"]), table[["point", "p_truce"]])


def test_the_result_holds_no_table(tmp_path):
    config, design = sweep_of_toy()
    result = run_sweep(config, design, tmp_path)
    assert "table" not in {f.name for f in dataclasses.fields(result)}
    (tmp_path / "sweep.parquet").unlink()
    with pytest.raises(FileNotFoundError):
        result.table  # noqa: B018 - read when asked for, from the file


def test_a_grid_sweep_does_not_import_scipy_stats(tmp_path):
    # scipy.stats takes seconds to import: only a sampled design that needs it loads it.
    script = (
        "import sys\n"
        "from negotiation.study.design import sweep_design\n"
        "from negotiation.study.sweep import run_sweep\n"
        "from tests.conftest import TOY\n"
        f"config = dict(TOY, sweep={{'parameters': {{'{COST}': {{'low': 0.0, 'high': 0.1, 'points': 3}}}}}})\n"
        f"run_sweep(config, sweep_design(config), {str(tmp_path)!r})\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# ---------------------------------------------------------------- executors


def dying_solver(base, overrides, *, source):
    """Kills its worker process on the chunk whose first A_DEADLOCK value is 2/3."""
    if abs(float(overrides[A_DEADLOCK][0]) - 2 / 3) < 1e-12:
        os._exit(1)
    return solve_points(base, overrides, source=source)


def test_two_worker_processes_give_the_same_table(reference, tmp_path):
    table, csv = reference
    config, design = sweep_of_toy()
    result = run_sweep(config, design, tmp_path, workers=2, source="toy.toml")
    pd.testing.assert_frame_equal(result.table, table)
    assert (tmp_path / "sweep.csv").read_bytes() == csv


def test_a_lost_worker_stops_the_sweep_and_resume_completes_it(reference, tmp_path):
    table, _ = reference
    config, design = sweep_of_toy()
    with pytest.raises(SweepIncomplete, match="BrokenProcessPool") as raised:
        run_sweep(config, design, tmp_path, workers=2, solver=dying_solver, source="toy.toml")
    assert 3 in raised.value.failed
    saved = {p.name for p in (tmp_path / CHUNKS).glob("chunk-*")}
    result = run_sweep(config, design, tmp_path, resume=True, source="toy.toml")
    assert len(result.reused) == len(saved) and set(result.computed) == set(raised.value.failed)
    pd.testing.assert_frame_equal(result.table, table)


def test_a_dask_local_cluster_gives_the_same_table(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    table, csv = reference
    config, design = sweep_of_toy()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = run_sweep(config, design, tmp_path, scheduler=cluster.scheduler_address, source="toy.toml")
    pd.testing.assert_frame_equal(result.table, table)
    assert (tmp_path / "sweep.csv").read_bytes() == csv


def test_without_dask_the_scheduler_option_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    config, design = sweep_of_toy()
    with pytest.raises(MissingDependency, match=r"pip install 'negotiation\[distributed\]'"):
        run_sweep(config, design, tmp_path, scheduler="tcp://127.0.0.1:8786")


def test_designs_constant_matches_the_cli():
    from negotiation.cli import sweep as cli_sweep

    assert cli_sweep.DESIGNS == DESIGNS


# ---------------------------------------------------------------- phase maps


def synthetic(rows):
    """A sweep table from (x, y, p_truce, p_deadlock, p_escalation) rows."""
    return pd.DataFrame(rows, columns=["a.x", "b.y", "p_truce", "p_deadlock", "p_escalation"])


def test_phase_map_of_a_grid_exactly():
    from negotiation.viz.phase_map import phase_map_data

    table = synthetic([
        # x = 0                     x = 1                     x = 2
        (0, 0, 0.9, 0.1, 0.0), (1, 0, 0.6, 0.4, 0.0), (2, 0, 0.2, 0.7, 0.1),
        (0, 1, 0.5, 0.5, 0.0), (1, 1, 0.4, 0.3, 0.3), (2, 1, 0.0, 0.2, 0.8),
        (0, 2, np.nan, np.nan, np.nan), (1, 2, 0.1, 0.1, 0.8), (2, 2, 0.0, 0.0, 1.0),
    ])
    data = phase_map_data(table.sample(frac=1.0, random_state=3), "a.x", "b.y")  # row order is irrelevant
    assert not data.binned
    assert data.x_values.tolist() == [0, 1, 2] and data.y_values.tolist() == [0, 1, 2]
    assert data.outcomes.tolist() == [
        ["truce", "truce", "deadlock"],
        ["mixed", "mixed", "escalation"],  # a 0.5/0.5 tie; no outcome reaching 0.5
        ["none", "escalation", "escalation"],  # every point invalid
    ]
    assert data.counts.tolist() == [[1, 1, 1], [1, 1, 1], [0, 1, 1]]
    assert_allclose(data.probabilities[:, 0, 2], [0.2, 0.7, 0.1], atol=0)
    # With no threshold the largest probability wins (ties stay mixed).
    assert phase_map_data(table, "a.x", "b.y", threshold=0.0).outcomes[1].tolist() == ["mixed", "truce", "escalation"]


def test_phase_map_averages_over_other_parameters_and_bins_scattered_points():
    from negotiation.viz.phase_map import phase_map_data

    # Two points per cell (a third parameter): means (0.9+0.3)/2 = 0.6 truce; (0.2+0.6)/2 deadlock.
    table = synthetic([
        (0, 0, 0.9, 0.1, 0.0), (0, 0, 0.3, 0.7, 0.0), (1, 0, 0.2, 0.8, 0.0), (1, 0, 0.6, 0.4, 0.0),
        (0, 1, 0.0, 1.0, 0.0), (0, 1, 0.0, 1.0, 0.0), (1, 1, 1.0, 0.0, 0.0), (1, 1, np.nan, np.nan, np.nan),
    ])
    data = phase_map_data(table, "a.x", "b.y")
    assert_allclose(data.probabilities[0], [[0.6, 0.4], [0.0, 1.0]], atol=1e-15)
    assert data.counts.tolist() == [[2, 2], [2, 1]]
    assert data.outcomes.tolist() == [["truce", "deadlock"], ["deadlock", "truce"]]
    # Scattered points in 2 x 2 equal bins over [0, 1]^2: edges at 0.5.
    scattered = synthetic([(0.1, 0.1, 1, 0, 0), (0.4, 0.3, 0.5, 0.5, 0), (0.9, 0.2, 0, 0, 1),
                           (0.2, 0.8, 0, 1, 0), (1.0, 1.0, 0, 1, 0), (0.0, 0.0, 1, 0, 0)])
    binned = phase_map_data(scattered, "a.x", "b.y", bins=2)
    assert binned.binned
    assert binned.x_values.tolist() == [0.25, 0.75]
    assert binned.counts.tolist() == [[3, 1], [1, 1]]
    assert_allclose(binned.probabilities[:, 0, 0], [2.5 / 3, 0.5 / 3, 0], atol=1e-15)
    assert binned.outcomes.tolist() == [["truce", "escalation"], ["deadlock", "deadlock"]]


def test_headline_codes_threshold_and_ties():
    from negotiation.viz.phase_map import MIXED_CODE, NO_DATA_CODE, headline_codes

    p = np.array([[0.5, 0.5, 0.34, 0.49999999999], [0.5, 0.3, 0.33, 0.3], [0.0, 0.2, 0.33, 0.2]])
    assert headline_codes(p).tolist() == [MIXED_CODE, 0, MIXED_CODE, 0]
    assert headline_codes(np.full((3, 1), np.nan)).tolist() == [NO_DATA_CODE]


def test_phase_map_needs_two_distinct_swept_columns():
    from negotiation.viz.phase_map import phase_map_data

    table = synthetic([(0, 0, 1, 0, 0), (0, 1, 1, 0, 0)])
    with pytest.raises(ValueError, match="at least two values"):
        phase_map_data(table, "a.x", "b.y")
    with pytest.raises(KeyError, match="c.z"):
        phase_map_data(table, "a.x", "c.z")


def test_plot_phase_map_labels_and_boundaries(tmp_path):
    from matplotlib.figure import Figure

    from negotiation.viz.phase_map import plot_phase_map, save_phase_map

    xs, ys = np.meshgrid(np.linspace(0, 1, 6), np.linspace(0, 1, 5), indexing="ij")
    truce = np.clip(1.2 - xs.ravel() - ys.ravel(), 0, 1)
    table = pd.DataFrame({"moves.m.cost": xs.ravel(), "sides.us.outcomes.deadlock": ys.ravel(),
                          "p_truce": truce, "p_deadlock": 1 - truce, "p_escalation": 0.0})
    fig = plot_phase_map(table, "moves.m.cost", "sides.us.outcomes.deadlock", scenario="Madrid")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    from negotiation.viz.style import describe

    assert ax.get_xlabel() == describe("moves.m.cost") and ax.get_ylabel() == describe("sides.us.outcomes.deadlock")
    assert "moves." not in ax.get_xlabel() and "sides." not in ax.get_ylabel()
    assert ax.get_title().startswith("Madrid: outcome of the talks")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["truce", "deadlock"] and "boundary" in labels and "P(truce)" in labels
    assert len(ax.collections) >= 3  # cells, boundary contour(s), truce contours
    written = save_phase_map(table, "moves.m.cost", "sides.us.outcomes.deadlock", tmp_path, scenario="Madrid")
    assert sorted(written) == ["figures/phase_map.pdf", "figures/phase_map.png"]
    assert all(p.stat().st_size > 0 for p in written.values())


# ---------------------------------------------------------------- invariants


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 500), size=st.integers(1, 70))
def test_chunks_partition_the_points_in_order(n, size):
    bounds = chunk_bounds(n, size)
    covered = [i for start, stop in bounds for i in range(start, stop)]
    assert covered == list(range(n))
    assert all(0 < stop - start <= size for start, stop in bounds)


@settings(max_examples=100, deadline=None)
@given(raw=st.lists(st.floats(0, 1), min_size=3, max_size=3), threshold=st.floats(0, 1))
def test_a_headline_outcome_is_the_unique_largest_probability_above_the_threshold(raw, threshold):
    from negotiation.viz.phase_map import MIXED_CODE, headline_codes

    p = np.array(raw) / (sum(raw) or 1.0)
    code = int(headline_codes(p[:, None], threshold)[0])
    if code == MIXED_CODE:
        top = np.sort(p)[::-1]
        assert top[0] < threshold + 1e-9 or top[0] - top[1] <= 1e-9
    else:
        assert p[code] == p.max() and p[code] >= threshold - 1e-9
        assert (np.delete(p, code) < p[code] - 1e-9).all()
