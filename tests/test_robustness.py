"""No traceback and no wrong data (issue 13): a closed pipe, unexpected errors, atomic results,
bad output paths, a huge grid and unsafe scenario names.

The command-line cases run the real ``negotiation`` console script in a subprocess.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from negotiation.analysis.pipeline import analyze
from negotiation.cli import main
from negotiation.io.config import ConfigError, load_scenario, scenario_from_dict
from negotiation.viz import results
from negotiation.viz.results import write_results
from tests.conftest import TOY

NEGOTIATION = str(Path(sys.executable).with_name("negotiation"))
#: A cheap sweep: three points of one parameter.
SMALL_SWEEP = ("sweep", "madrid_2025", "--param", "moves.entity_listing.cost=0:1:3", "--quiet", "--no-figures")


def negotiation(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([NEGOTIATION, *args], capture_output=True, text=True, cwd=cwd, timeout=300, **kwargs)


def assert_clean_refusal(done: subprocess.CompletedProcess, *names: str) -> None:
    """Exit code 2 and one line on stderr naming each of ``names``, no traceback."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for name in names:
        assert name in lines[0]


@pytest.fixture(scope="module")
def toy_analysis():
    return analyze(scenario_from_dict(copy.deepcopy(TOY)))


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody can write into, root included (``chattr +i`` where chmod is not enough)."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a read-only folder")
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported here")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)


# ---------------------------------------------------------------- closed pipe, unexpected errors


def test_run_json_into_a_closed_pipe_exits_quietly(tmp_path):
    # the reader is gone before the first byte is written (`| head -1` at its most abrupt)
    process = subprocess.Popen([NEGOTIATION, "run", "--json", "--no-figures", "--out", str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=300)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert stderr == ""
    assert process.returncode == 141


def test_run_json_piped_into_head(tmp_path):
    done = subprocess.run(f"{NEGOTIATION} run --json --no-figures --out {tmp_path / 'out'} | head -1",
                          shell=True, capture_output=True, text=True, timeout=300)
    assert done.stdout == "{\n"
    assert "Traceback" not in done.stderr and done.stderr == ""


def _fail(*args, **kwargs):
    raise RuntimeError("solver exploded\n(on two lines)")


def test_an_unexpected_error_is_one_line_and_exit_code_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("negotiation.analysis.pipeline.analyze", _fail)
    code = main(["run", "--no-figures", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert err == ("negotiation: error: RuntimeError: solver exploded (on two lines); "
                   "run with --debug for the traceback\n")


@pytest.mark.parametrize("argv", [["--debug", "run"], ["run", "--debug"]])
def test_debug_shows_the_traceback(tmp_path, monkeypatch, argv):
    monkeypatch.setattr("negotiation.analysis.pipeline.analyze", _fail)
    with pytest.raises(RuntimeError, match="solver exploded"):
        main([*argv, "--no-figures", "--out", str(tmp_path / "out")])


def test_config_errors_keep_exit_code_2(capsys):
    assert main(["run", "--set", "no.such.key=1"]) == 2
    assert "Traceback" not in capsys.readouterr().err


# ---------------------------------------------------------------- atomic results


def _previous_results(out: Path) -> None:
    (out / "figures").mkdir(parents=True)
    (out / "summary.json").write_text('{"previous": true}\n')
    (out / "summary.txt").write_text("previous\n")
    (out / "figures" / "stale.png").write_text("previous")


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failed_write_leaves_the_previous_results_intact(tmp_path, toy_analysis, monkeypatch):
    out = tmp_path / "toy"
    _previous_results(out)
    before = _snapshot(out)
    real_write_text = Path.write_text
    calls = []

    def disk_full_on_second_file(self, *args, **kwargs):
        calls.append(self.name)
        if len(calls) == 2:  # summary.json written, the disk fills on summary.txt
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full_on_second_file)
    with pytest.raises(OSError, match="No space left"):
        write_results(toy_analysis, out, figures=False)
    monkeypatch.undo()
    assert calls == ["summary.json", "summary.txt"]
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy"]  # no staging folder left behind


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_finished_write_replaces_the_whole_folder(tmp_path, toy_analysis, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(results, "_exchange", lambda a, b: False)
    out = tmp_path / "toy"
    _previous_results(out)
    written = write_results(toy_analysis, out, figures=False)
    assert set(written) == {"summary.json", "summary.txt"}
    assert all(path.parent == out and path.is_file() for path in written.values())
    assert json.loads((out / "summary.json").read_text())["scenario"]
    assert not (out / "figures").exists()  # nothing of the previous run beside the new one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy"]


def test_a_write_into_a_new_folder(tmp_path, toy_analysis):
    out = tmp_path / "a" / "b"
    write_results(toy_analysis, out, figures=False)
    assert sorted(p.name for p in out.iterdir()) == ["summary.json", "summary.txt"]


# ---------------------------------------------------------------- bad output paths


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "a_file"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize("command", [("run", "--no-figures"), SMALL_SWEEP], ids=["run", "sweep"])
def test_out_naming_an_existing_file(a_file, command):
    done = negotiation(*command, "--out", str(a_file))
    assert_clean_refusal(done, str(a_file), "existing file")
    assert a_file.read_text() == "not a folder"


@pytest.mark.parametrize("command", [("run", "--no-figures"), SMALL_SWEEP], ids=["run", "sweep"])
def test_out_that_cannot_be_created(a_file, command):
    done = negotiation(*command, "--out", str(a_file / "results"))
    assert_clean_refusal(done, str(a_file / "results"), "cannot be created", "is a file")


@pytest.mark.parametrize("command", [("run", "--no-figures"), SMALL_SWEEP], ids=["run", "sweep"])
def test_out_in_a_read_only_folder(read_only_dir, command):
    done = negotiation(*command, "--out", str(read_only_dir))
    assert_clean_refusal(done, str(read_only_dir), "not writable", "read-only")
    done = negotiation(*command, "--out", str(read_only_dir / "new"))
    assert_clean_refusal(done, str(read_only_dir / "new"), "cannot be created", "not writable")


@pytest.mark.parametrize("address", ["not a url", "tcp://host:port", "http://10.0.0.5:8786", ""])
def test_sweep_with_a_bad_scheduler_address(tmp_path, address):
    done = negotiation(*SMALL_SWEEP, "--scheduler", address, "--out", str(tmp_path / "sweep"))
    assert_clean_refusal(done, "--scheduler", "tcp://10.0.0.5:8786")
    assert not (tmp_path / "sweep").exists()


# ---------------------------------------------------------------- a huge grid


def _cap_memory() -> None:
    # 4 GB of address space: a grid built before the guard fails here instead of swapping
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def test_a_huge_grid_is_refused_before_it_is_built(tmp_path):
    start = time.monotonic()
    done = negotiation("sweep", "madrid_2025", "--param", "moves.entity_listing.cost=0:1:1000000000",
                       "--out", str(tmp_path / "sweep"), preexec_fn=_cap_memory)
    assert_clean_refusal(done, "1,000,000,000", "1,000,000 points")
    assert time.monotonic() - start < 30
    assert not (tmp_path / "sweep").exists()


def test_a_huge_grid_of_small_axes_is_refused(tmp_path):
    axes = [f"--param=moves.{m}.cost=0:1:1001" for m in ("entity_listing", "anti_dumping_probe")]
    done = negotiation("sweep", "madrid_2025", *axes, "--out", str(tmp_path / "sweep"))
    assert done.returncode == 2, done.stderr
    assert "1,002,001" in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------- scenario names


@pytest.mark.parametrize("name", ["..", ".", "a/b", "../escape", "a b"])
def test_unsafe_scenario_names_are_refused(name):
    with pytest.raises(ConfigError) as caught:
        load_scenario("madrid_2025", {"scenario.name": name})
    assert [p.path for p in caught.value.problems] == ["scenario.name"]
    assert "safe file name" in str(caught.value)


@pytest.mark.parametrize("name", ["madrid_2025", "v1.2-draft", ".hidden"])
def test_safe_scenario_names_are_accepted(name):
    assert load_scenario("madrid_2025", {"scenario.name": name}).name == name


def test_a_scenario_named_dotdot_is_refused_by_run(tmp_path, madrid_text):
    path = tmp_path / "dotdot.toml"
    path.write_text(madrid_text.replace('name = "madrid_2025"', 'name = ".."', 1))
    assert 'name = ".."' in path.read_text()
    done = negotiation("run", str(path), "--no-figures", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "scenario.name = '..'" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dotdot.toml"]


# ---------------------------------------------------------------- numbers too large


@pytest.mark.parametrize("value", ["1e308", "-1e308", "2e6"])
def test_a_huge_number_in_a_file_is_refused(tmp_path, madrid_text, value):
    path = tmp_path / "huge.toml"
    path.write_text(madrid_text.replace("deadlock = 0.62", f"deadlock = {value}", 1))
    for command in ("validate", "run"):
        done = negotiation(command, str(path), "--no-figures", "--out", str(tmp_path / "out"),
                           cwd=tmp_path) if command == "run" else negotiation(command, str(path))
        assert_clean_refusal(done, "sides.us.outcomes.deadlock", "magnitude at most 1e+06")
        assert "e+308" in done.stderr or "2000000" in done.stderr


def test_a_huge_number_through_set_is_refused(tmp_path):
    done = negotiation("validate", "madrid_2025", "--set", "moves.entity_listing.cost=1e308")
    assert_clean_refusal(done, "moves.entity_listing.cost = 1e+308", "magnitude at most 1e+06")


def test_a_huge_number_is_refused_per_sweep_point(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_scenario("madrid_2025", {"moves.entity_listing.cost": 1e7})
    assert [p.path for p in caught.value.problems] == ["moves.entity_listing.cost"]
    out = tmp_path / "sweep"
    done = negotiation(*SMALL_SWEEP[:2], "--param", "moves.entity_listing.cost=0:1e300:3", "--quiet",
                       "--no-figures", "--out", str(out))
    assert done.returncode == 0, done.stderr
    import pandas as pd

    table = pd.read_parquet(out / "sweep.parquet")
    # the huge points are refused one by one, the others solved
    assert table["status"].tolist() == ["ok", "invalid", "invalid"]
    assert "magnitude at most 1e+06" in table["error"].iloc[2]


def test_a_large_but_bounded_number_is_accepted():
    assert load_scenario("madrid_2025", {"moves.entity_listing.cost": 1e5}).name == "madrid_2025"


# ---------------------------------------------------------------- one sweep per folder


def _wait_for_lock(out: Path, first: subprocess.Popen, timeout: float = 60.0) -> None:
    """Until the first sweep has written its pid into ``out/.lock`` and its manifest (and still runs).

    The lock is taken before the manifest is written, so waiting for the lock alone races.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lock = out / ".lock"
        if (lock.exists() and lock.read_text().strip() == str(first.pid)
                and (out / "manifest.json").exists()):
            return
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    pytest.fail("the first sweep never took its lock and wrote its manifest")


@pytest.mark.parametrize("again", [(), ("--force",), ("--resume",)])
def test_a_second_sweep_into_a_folder_in_use_is_refused(tmp_path, again):
    out = tmp_path / "sweep"
    slow = ("sweep", "madrid_2025", "--param", "moves.entity_listing.cost=0:1:200",
            "--param", "moves.anti_dumping_probe.cost=0:1:200", "--workers", "1", "--quiet", "--no-figures")
    first = subprocess.Popen([NEGOTIATION, *slow, "--out", str(out)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_lock(out, first)
        manifest = (out / "manifest.json").read_text()
        second = negotiation(*SMALL_SWEEP, "--out", str(out), *again)
        assert_clean_refusal(second, f"{out} is in use by another sweep (pid {first.pid})")
        assert first.poll() is None  # the first goes on, its manifest untouched
        assert (out / "manifest.json").read_text() == manifest
    finally:
        first.kill()
        first.communicate()
    # a killed sweep's lock dies with it: the folder can be taken over at once
    done = negotiation(*SMALL_SWEEP, "--out", str(out), "--force")
    assert done.returncode == 0, done.stderr


def test_the_lock_is_released_after_an_error(tmp_path):
    from negotiation.study.sweep import OutDirInUse, SweepIncomplete, _locked, run_sweep
    from tests.test_sweep import sweep_of_toy

    config, design = sweep_of_toy()

    def failing(*args, **kwargs):
        raise RuntimeError("solver broke")

    with pytest.raises(SweepIncomplete):
        run_sweep(config, design, tmp_path, solver=failing, source="toy.toml")
    # the lock was released on the error: the same process takes it again
    result = run_sweep(config, design, tmp_path, resume=True, source="toy.toml")
    assert len(result.computed) == design.n_chunks
    with _locked(tmp_path), pytest.raises(OutDirInUse, match=f"pid {os.getpid()}"):
        run_sweep(config, design, tmp_path, force=True, source="toy.toml")


# ---------------------------------------------------------------- chunks that belong to the sweep


def test_a_manifest_replaced_during_the_sweep_stops_the_table(tmp_path):
    from negotiation.study.points import solve_points
    from negotiation.study.sweep import CheckpointConflict, run_sweep
    from tests.test_sweep import sweep_of_toy

    config, design = sweep_of_toy()
    calls = []

    def intruding(base, overrides, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # another writer replaces the manifest halfway through
            manifest = json.loads((tmp_path / "manifest.json").read_text())
            manifest["config_sha256"] = "0" * 64
            (tmp_path / "manifest.json").write_text(json.dumps(manifest))
        return solve_points(base, overrides, **kwargs)

    with pytest.raises(CheckpointConflict, match="manifest was replaced"):
        run_sweep(config, design, tmp_path, solver=intruding, source="toy.toml")
    assert not (tmp_path / "sweep.parquet").exists() and not (tmp_path / "sweep.csv").exists()


def test_resume_recomputes_a_chunk_whose_checksum_does_not_match(tmp_path):
    import pandas as pd

    from negotiation.study.sweep import chunk_path, run_sweep
    from tests.test_sweep import sweep_of_toy

    config, design = sweep_of_toy()
    table = run_sweep(config, design, tmp_path, source="toy.toml").table
    # a chunk replaced by one that looks right (same points and parameters) but with other results
    path = chunk_path(tmp_path, 1)
    forged = pd.read_parquet(path)
    forged["status"] = "forged"
    forged.to_parquet(path, index=False)
    result = run_sweep(config, design, tmp_path, resume=True, source="toy.toml")
    assert result.computed == (1,) and 1 not in result.reused
    pd.testing.assert_frame_equal(result.table, table)
    assert json.loads((tmp_path / "checksums" / "chunk-000001.json").read_text())["sha256"]


def _noop() -> int:
    return os.getpid()


def test_a_forked_worker_does_not_keep_the_lock(tmp_path):
    import concurrent.futures as cf
    import fcntl
    import multiprocessing

    from negotiation.study.sweep import _locked

    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        with _locked(tmp_path):
            assert pool.submit(_noop).result() != os.getpid()  # the worker forked while locked
        # the worker still runs; the lock must be free all the same
        fd = os.open(tmp_path / ".lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
