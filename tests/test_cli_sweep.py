"""`negotiation sweep` end to end: table and phase map, kill and resume, Dask, bad input,
a bargaining scenario, and what the command imports."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negotiation import cli
from negotiation.cli.sweep import parse_param

US = "sides.us.utilities.tariffs[1]"
CHINA = "sides.china.utilities.tariffs[1]"
# A 4 x 4 grid over both sides' deadlock payoffs, one point a chunk: truce where deadlock is
# poor for either side, deadlock where both value it highly.
MADRID_SWEEP = ("sweep", "--param", f"{US}=0.3:0.95:4", "--param", f"{CHINA}=0.3:0.95:4", "--chunk-size", "1")


def negotiation(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # as the `negotiation` console script runs it
    script = "import sys; from negotiation.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.fixture(scope="module")
def madrid(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("sweep") / "madrid"
    return negotiation(*MADRID_SWEEP, "--out", str(out)), out


def test_madrid_sweep_writes_the_table_and_a_phase_map(madrid):
    proc, out = madrid
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(out / "sweep.parquet")
    assert len(table) == 16
    assert list(table.columns[:3]) == ["point", US, CHINA]
    assert {"equilibrium_path", "p_truce", "p_deadlock", "p_escalation", "payoff_us", "payoff_china",
            "status"} <= set(table.columns)
    assert (table["status"] != "invalid").all()
    pd.testing.assert_frame_equal(pd.read_csv(out / "sweep.csv", keep_default_na=False), table,
                                  check_dtype=False, check_exact=False, rtol=1e-15)
    headline = table[["p_truce", "p_deadlock", "p_escalation"]].idxmax(axis=1)
    assert {"p_truce", "p_deadlock"} <= set(headline), "the map crosses a boundary"
    for name in ("phase_map.png", "phase_map.pdf"):
        assert (out / "figures" / name).stat().st_size > 0
    assert len(list((out / "chunks").glob("chunk-*.parquet"))) == 16
    assert "grid 4 x 4" in proc.stdout and "computed 16 of 16 chunks" in proc.stdout


def test_killed_halfway_and_resumed_gives_the_same_table(madrid, tmp_path, capsys):
    proc, reference = madrid
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "killed"
    chunks = out / "chunks"
    # The killed run is the real command with each chunk slowed down (0.25 s), so that the
    # kill lands halfway however fast the solver is.
    script = (
        "import sys, time\n"
        "import negotiation.study.points as points\n"
        "from negotiation.cli import main\n"
        "fast = points.solve_points\n"
        "def slow(*args, **kwargs):\n"
        "    time.sleep(0.25)\n"
        "    return fast(*args, **kwargs)\n"
        "points.solve_points = slow\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    running = subprocess.Popen([sys.executable, "-c", script, *MADRID_SWEEP, "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and running.poll() is None:
        if chunks.is_dir() and len(list(chunks.glob("chunk-*.parquet"))) >= 2:
            break
        time.sleep(0.005)
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=30)
    done = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in chunks.glob("chunk-*.parquet")}
    assert 2 <= len(done) < 16, f"killed after {len(done)} of 16 chunks"
    assert not (out / "sweep.csv").exists()

    assert cli.main([*MADRID_SWEEP, "--out", str(out)]) == 2
    assert "chunks done); use --resume" in capsys.readouterr().err

    assert cli.main([*MADRID_SWEEP, "--out", str(out), "--resume", "--no-figures"]) == 0
    assert f"computed {16 - len(done)} of 16 chunks, reused {len(done)}" in capsys.readouterr().out
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in chunks.glob("chunk-*.parquet")}
    assert all(after[name] == stamp for name, stamp in done.items()), "no finished chunk was rewritten"
    assert (out / "sweep.csv").read_bytes() == (reference / "sweep.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), pd.read_parquet(reference / "sweep.parquet"))


def test_the_same_sweep_through_a_dask_local_cluster(madrid, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    proc, reference = madrid
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "dask"
    # Threads in this process keep it quick; tests/test_sweep.py runs worker processes.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        code = cli.main([*MADRID_SWEEP, "--out", str(out), "--scheduler", cluster.scheduler_address,
                         "--no-figures", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert (out / "sweep.csv").read_bytes() == (reference / "sweep.csv").read_bytes()


def test_a_changed_design_refuses_to_resume(madrid, capsys):
    proc, out = madrid
    assert proc.returncode == 0, proc.stderr
    before = (out / "sweep.csv").read_bytes()
    code = cli.main(["sweep", "--param", f"{US}=0.3:0.95:5", "--param", f"{CHINA}=0.3:0.95:4", "--chunk-size", "1",
                     "--out", str(out), "--resume"])
    err = capsys.readouterr().err
    assert code == 2
    assert "holds a different sweep (16 of 16 chunks done)" in err and "design.dimensions" in err
    assert "--force" in err
    assert (out / "sweep.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([f"--param={US.replace('tariffs', 'tarifs')}=0:1:3"], [
            f"--param: {US.replace('tariffs', 'tarifs')} = '0:1:3': expected a numeric key path of the scenario; "
            f"did you mean {US!r}?"],
            id="unknown key path"),
        pytest.param([f"--param={US}=0.9:0.1:3"], [f"--param: {US} = '0.9:0.1:3': expected LO < HI (here 0.9 >= 0.1)"],
                     id="LO > HI"),
        pytest.param([f"--param={US}=0:1:1"], [f"--param: {US} = '0:1:1': expected N >= 2"], id="N < 2"),
        pytest.param([f"--param={US}=0:1"], [f"--param: {US} = '0:1': expected KEY=LO:HI:N with N >= 2"],
                     id="N missing on a grid"),
        pytest.param(["--param=scenario.title=0:1:3"], [
            "--param: scenario.title = '0:1:3': expected a numeric key path (scenario.title holds a string"],
            id="non-numeric key"),
        pytest.param([f"--param={US}=low:1:3", f"--param={CHINA}=0:1:x", f"--param={CHINA}"], [
            f"--param: {US} = 'low:1:3': expected numbers LO and HI (got 'low')",
            f"--param: {CHINA} = '0:1:x': expected N, a whole number of grid points >= 2 (got 'x')",
            f"--param: {CHINA} = {CHINA!r}: expected KEY=LO:HI:N",
        ], id="malformed"),
        pytest.param([f"--param={US}=0:1:3", "--design", "sobl"], [
            "command line: --design = 'sobl': expected a design: did you mean 'sobol'?"], id="unknown design"),
        pytest.param([f"--param={US}=0:1:3", "--seed", "-1", "--design", "sobol"], [
            "command line: --seed = -1: expected a number greater than or equal to 0"], id="negative seed"),
        pytest.param([f"--param={US}=0:1:3", "--set", "talks.breakdown_probability=2"], [
            "madrid_2025.toml: talks.breakdown_probability = 2: expected a number less than or equal to 1"],
            id="invalid baseline"),
        pytest.param([f"--param={US}=0:1:3", "--phase-map", f"{US},{CHINA}"], [
            f"--phase-map: {CHINA} = {CHINA!r}: expected a swept key path: one of {US}"], id="phase map axes"),
    ],
)
def test_bad_input_exits_2_with_one_line_per_problem(args, expected, tmp_path, capsys):
    code = cli.main(["sweep", *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == len(expected), err
    for line, text in zip(err, expected, strict=True):
        assert text in line
    assert not (tmp_path / "out").exists()


def test_a_sampled_design_takes_ranges_without_n(tmp_path, capsys):
    code = cli.main(["sweep", "--param", f"{US}=0.3:0.9", "--param", f"{CHINA}=0.3:0.9", "--design", "latin_hypercube",
                     "--samples", "4", "--seed", "5", "--out", str(tmp_path), "--no-figures"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    assert list(table.columns[:4]) == ["point", "seed", US, CHINA] and len(table) == 4


def test_sweep_section_and_sweep_file(tmp_path, madrid_text, monkeypatch, capsys):
    section = f'''
[sweep]
design = "grid"
chunk_size = 3

[sweep.parameters."{US}"]
low = 0.5
high = 0.9
points = 2

[sweep.parameters.moves.entity_listing.cost]
low = 0.0
high = 0.05
points = 2
'''
    scenario = tmp_path / "madrid_sweep.toml"
    scenario.write_text(madrid_text + section, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["sweep", str(scenario), "--quiet"]) == 0, capsys.readouterr().err
    out = tmp_path / "results" / "madrid_2025" / "sweep"  # the default folder
    table = pd.read_parquet(out / "sweep.parquet")
    assert list(table.columns[1:3]) == [US, "moves.entity_listing.cost"] and len(table) == 4
    assert (out / "figures" / "phase_map.png").exists()
    assert len(list((out / "chunks").glob("chunk-*"))) == 2

    # The same sweep from a file of its own that names the scenario.
    sweep_file = tmp_path / "my_sweep.toml"
    sweep_file.write_text('config = "madrid_2025"\n' + section, encoding="utf-8")
    assert cli.main(["sweep", str(sweep_file), "--out", "own", "--no-figures", "--quiet"]) == 0
    assert (tmp_path / "own" / "sweep.csv").read_bytes() == (out / "sweep.csv").read_bytes()

    sweep_file.write_text('config = "madrid_2025"\nsweeep = 1\n' + section, encoding="utf-8")
    assert cli.main(["sweep", str(sweep_file), "--out", "own2"]) == 2
    assert "my_sweep.toml: sweeep = 1: expected no such key in a sweep file" in capsys.readouterr().err


def test_without_dask_scheduler_exits_2_saying_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    code = cli.main(["sweep", "--param", f"{US}=0.3:0.9:2", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)])
    assert code == 2
    assert "pip install 'negotiation[distributed]'" in capsys.readouterr().err


def test_parse_param():
    assert parse_param("a.b=1e-3:0.5:11")[:2] == ("a.b", {"low": 0.001, "high": 0.5, "points": 11})
    assert parse_param("a.b[2]=0:1")[0] == "a.b[2]"
    assert [p.expected for p in parse_param("a.b=0:inf:3")[2]] == ["numbers LO and HI (got 'inf')"]
    assert parse_param("=0:1:2")[2], "a key is required"


def test_sweep_is_listed_in_the_help():
    assert "sweep" in cli.build_parser().format_help()


def test_an_interrupted_sweep_exits_130_with_a_resume_hint(tmp_path, monkeypatch, capsys):
    import negotiation.study.sweep

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(negotiation.study.sweep, "run_sweep", interrupted)
    assert cli.main(["sweep", "--param", f"{US}=0.3:0.9:2", "--out", str(tmp_path / "x")]) == 130
    assert "run the same command with --resume" in capsys.readouterr().err


# ---------------------------------------------------------------- a bargaining scenario


COST, HARM = "moves.entity_listing.cost", "moves.entity_listing.harm"


def _run_json(*sets: str, out: Path) -> dict:
    """`negotiation run madrid_2025_bargaining --set ... --json`, in this process."""
    buffer = io.StringIO()
    args = ["run", "madrid_2025_bargaining", *(a for s in sets for a in ("--set", s)), "--json", "--no-figures",
            "--no-robustness", "--out", str(out)]
    with contextlib.redirect_stdout(buffer):
        assert cli.main(args) == 0
    return json.loads(buffer.getvalue())


def test_a_bargaining_scenario_sweeps_and_each_row_is_the_single_run(tmp_path, capsys):
    # Before the refactor every chunk of this sweep failed (the fast path had no bargaining).
    out = tmp_path / "bargaining"
    code = cli.main(["sweep", "madrid_2025_bargaining", "--param", f"{COST}=0.005:0.015:4",
                     "--param", f"{HARM}=0.015:0.045:4", "--out", str(out), "--no-figures", "--quiet"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_parquet(out / "sweep.parquet")
    assert len(table) == 16 and (table["status"] == "ok").all()
    for point in table.to_dict("records"):
        cost, harm = float(point[COST]), float(point[HARM])
        single = _run_json(f"{COST}={cost!r}", f"{HARM}={harm!r}", out=tmp_path / "run")
        assert point["equilibrium_path"] == ("+".join(single["equilibrium_path"]) or "none")
        expected = [single["outcome_probabilities"][o] for o in ("truce", "deadlock", "escalation")]
        np.testing.assert_allclose([point["p_truce"], point["p_deadlock"], point["p_escalation"]], expected,
                                   atol=1e-12)
        np.testing.assert_allclose([point["payoff_us"], point["payoff_china"]],
                                   [single["payoffs"]["us"], single["payoffs"]["china"]], atol=1e-12)
        assert point["status"] == single["status"]
    # the US does not list anywhere on this grid, so the listing's cost and harm change nothing
    assert set(table["equilibrium_path"]) == {"anti_dumping_probe"}


# ---------------------------------------------------------------- start-up


def test_help_and_the_start_of_a_grid_sweep_do_not_import_scipy_stats(tmp_path):
    # `import scipy.stats` takes seconds: neither --help nor a grid sweep needs it.
    script = (
        "import sys\n"
        "from negotiation.cli import main\n"
        "try:\n"
        "    main(['sweep', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('scipy.stats' in sys.modules, 'pandas' in sys.modules)\n"
        f"main(['sweep', '--param', '{US}=0.3:0.9:2', '--out', {str(tmp_path)!r}, '--no-figures', '--quiet'])\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["False False", "False"]


def test_the_sweep_prints_each_verdict_with_who_wins(tmp_path):
    out = tmp_path / "s"
    done = negotiation("sweep", "madrid_2025", "--param", "talks.breakdown_probability=0:0.3:4", "--param",
                       "sides.china.utilities.tariffs[1]=0.45:0.6:4", "--no-figures", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(out / "sweep.parquet")
    expected = (table["equilibrium_path"] + " -> " + table["talks_outcome"]).value_counts()
    line = next(x for x in done.stdout.splitlines() if "verdicts (moves played -> what the talks settle on)" in x)
    for verdict, count in expected.items():
        assert f"{verdict} {count}" in line
    assert "truce" not in line.split("by point:")[1]  # packages and resolutions, never a bare "truce"
