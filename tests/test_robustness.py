"""No traceback and no wrong data (issue 13): a closed pipe, unexpected errors, atomic results,
bad output paths, a huge grid, unsafe scenario names, sweep workers of a killed sweep, a run
killed by kill -9 and the staging folders it leaves, and the hint before a long solve.

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
import threading
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
    # the first move's cost: a number that every version of the Madrid file sets
    assert "\ncost = 0.01\n" in madrid_text
    path.write_text(madrid_text.replace("\ncost = 0.01\n", f"\ncost = {value}\n", 1))
    for command in ("validate", "run"):
        done = negotiation(command, str(path), "--no-figures", "--out", str(tmp_path / "out"),
                           cwd=tmp_path) if command == "run" else negotiation(command, str(path))
        assert_clean_refusal(done, "moves.entity_listing.cost", "magnitude at most 1e+06")
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
    # a million points: running for many seconds whatever the speed of the solver (40,000
    # points once did; they now finish before the second sweep starts)
    slow = ("sweep", "madrid_2025", "--param", "moves.entity_listing.cost=0:1:1000",
            "--param", "moves.anti_dumping_probe.cost=0:1:1000", "--workers", "1", "--quiet", "--no-figures")
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


# ---------------------------------------------------------------- workers die with their parent


def _children(parent: int) -> set[int]:
    """Pids of the live (not zombie) children of ``parent``, from ``/proc``."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        if int(ppid) == parent and state not in "ZX":
            children.add(int(entry.name))
    return children


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # a killed orphan is a zombie until its new parent reaps it (some container inits never do)
    return stat[stat.rindex(")") + 2] not in "ZX"


#: A sweep of 160,000 points in 80 chunks (several seconds with two workers); the scenario
#: file comes first.
LONG_SWEEP = ("--param", "moves.entity_listing.cost=0:1:400", "--param", "moves.anti_dumping_probe.cost=0:1:400",
              "--chunk-size", "2000", "--quiet", "--no-figures")


@pytest.fixture
def madrid_copy(tmp_path, madrid_text) -> str:
    """A copy of the Madrid file: the runs of one test all see the same scenario."""
    path = tmp_path / "madrid_2025.toml"
    path.write_text(madrid_text, encoding="utf-8")
    return str(path)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers through /proc")
def test_sweep_workers_die_with_a_killed_parent_and_resume_completes(tmp_path, madrid_copy):
    import pandas as pd

    out = tmp_path / "sweep"
    sweep = ("sweep", madrid_copy, *LONG_SWEEP)
    parent = subprocess.Popen([NEGOTIATION, *sweep, "--workers", "2", "--out", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # wait until both workers exist and at least one chunk is saved (so --resume has work
        # to reuse and work to do)
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline:
            assert parent.poll() is None, parent.communicate()
            workers = _children(parent.pid)
            if len(workers) >= 2 and any((out / "chunks").glob("*.parquet")):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the sweep never started two workers and saved a chunk")
        parent.kill()  # SIGKILL: the pool gets no chance to stop its workers
        parent.communicate()
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if _running(pid)], "workers outlived their killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.communicate()
    saved = len(list((out / "chunks").glob("*.parquet")))
    assert 0 < saved < 80  # killed half-way
    resumed = negotiation(*sweep, "--workers", "2", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    fresh = negotiation(*sweep, "--workers", "1", "--out", str(tmp_path / "fresh"))
    assert fresh.returncode == 0, fresh.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"),
                                  pd.read_parquet(tmp_path / "fresh" / "sweep.parquet"))


#: A process that forks a worker (set up as the sweep's pool does, with the polling fallback
#: of systems without PR_SET_PDEATHSIG), prints its pid, and waits to be killed.
_ORPHAN = """
import multiprocessing, os, sys, time
from negotiation.study import sweep

def worker(parent):
    sys.platform = "darwin"  # no prctl: the watching thread must do it
    sweep._die_with_parent(parent)
    time.sleep(120)

child = multiprocessing.get_context("fork").Process(target=worker, args=(os.getpid(),))
child.start()
print(child.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker through /proc")
def test_without_prctl_a_worker_polls_for_its_parent(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        time.sleep(0.5)  # the worker has started watching
        assert _running(worker)
        parent.kill()
        parent.communicate()
        deadline = time.monotonic() + 10
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(worker), "the worker outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.communicate()


# ---------------------------------------------------------------- staging folders of killed runs


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _staging(parent: Path, name: str, kind: str, pid: int, token: str = "0badc0de") -> Path:
    folder = parent / f".{name}.{kind}-{pid}-{token}"
    (folder / "figures").mkdir(parents=True)
    (folder / "summary.json").write_text(f'{{"{kind}": {pid}}}\n')
    return folder


def test_a_run_removes_staging_folders_of_dead_writers_only(tmp_path, toy_analysis):
    out = tmp_path / "toy"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _dead_pid()
        stale = [_staging(tmp_path, "toy", "partial", dead),
                 _staging(tmp_path, "other", "partial", dead, "12345678")]  # any folder's
        kept = [_staging(tmp_path, "toy", "partial", live.pid),  # a live writer's
                _staging(tmp_path, "toy", "partial", os.getpid()),  # this process's own
                tmp_path / ".toy.partial-notes"]  # not a staging folder's name
        kept[-1].mkdir()
        write_results(toy_analysis, out, figures=False)
        assert not any(folder.exists() for folder in stale)
        assert all(folder.is_dir() for folder in kept)
        assert (kept[0] / "summary.json").read_text() == f'{{"partial": {live.pid}}}\n'
        assert json.loads((out / "summary.json").read_text())["scenario"]
    finally:
        live.kill()
        live.wait()
    # once its writer is gone the folder goes too
    write_results(toy_analysis, out, figures=False)
    assert not kept[0].exists() and kept[1].exists()


def test_a_writer_killed_between_the_two_renames_keeps_its_finished_results(tmp_path):
    # the fallback swap moved `toy` aside, then was killed before renaming the finished
    # staging folder into place: the finished folder becomes `toy`
    dead = _dead_pid()
    previous = _staging(tmp_path, "toy", "old", dead)
    finished = _staging(tmp_path, "toy", "partial", dead)
    removed = results.remove_stale_staging(tmp_path / "toy")
    assert removed == [previous]
    assert not finished.exists()
    assert (tmp_path / "toy" / "summary.json").read_text() == f'{{"partial": {dead}}}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy"]


def test_a_writer_killed_after_the_swap_leaves_nothing_to_recover(tmp_path):
    dead = _dead_pid()
    _previous_results(tmp_path / "toy")
    before = _snapshot(tmp_path / "toy")
    _staging(tmp_path, "toy", "old", dead)  # killed while removing the previous results
    results.remove_stale_staging(tmp_path / "toy")
    assert _snapshot(tmp_path / "toy") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy"]


# ---------------------------------------------------------------- a real kill -9 of `run`


def _results_state(folder: Path) -> tuple[str, str, tuple[str, ...]]:
    """What identifies a complete results folder: its summaries and its list of files.

    The figures' bytes are left out (a PDF records when it was made); each must be non-empty.
    The summary is compared with its keys sorted: their order may differ from run to run.
    """
    files = tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()))
    assert all((folder / name).stat().st_size > 0 for name in files), files
    summary = json.dumps(json.loads((folder / "summary.json").read_text()), sort_keys=True)
    return summary, (folder / "summary.txt").read_text(), files


def test_a_run_killed_at_any_moment_leaves_the_old_results_or_the_new(tmp_path, madrid_copy):
    import random

    out = tmp_path / "madrid"
    # the old results differ from the new ones in every part: another value, no figures
    old = negotiation("run", madrid_copy, "--set", "moves.entity_listing.cost=0.3", "--no-figures",
                      "--out", str(out))
    assert old.returncode == 0, old.stderr
    new = negotiation("run", madrid_copy, "--out", str(tmp_path / "reference"))
    assert new.returncode == 0, new.stderr
    complete = {_results_state(out): "old", _results_state(tmp_path / "reference"): "new"}
    assert len(complete) == 2
    rng = random.Random(13)
    for _ in range(5):
        process = subprocess.Popen([NEGOTIATION, "run", madrid_copy, "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # kill while the results are being written (the risky part): after the staging
        # folder appears, at a random moment of the next 2 s (it may also have finished)
        deadline = time.monotonic() + 120
        while (not list(tmp_path.glob(f".madrid.partial-{process.pid}-*")) and process.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 2.0))
        process.kill()
        _, stderr = process.communicate()
        assert process.returncode in (0, -9), stderr
        assert _results_state(out) in complete
    # the next run cleans up after the killed ones
    done = negotiation("run", madrid_copy, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert complete[_results_state(out)] == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["madrid", "madrid_2025.toml", "reference"]


# ---------------------------------------------------------------- a long default solve


def _random_nfg(path: Path, m: int, n: int, seed: int = 0) -> Path:
    """A Gambit payoff-version .nfg of a random game with integer payoffs."""
    import numpy as np

    rng = np.random.default_rng(seed)
    A, B = rng.integers(0, 1000, (m, n)), rng.integers(0, 1000, (m, n))
    labels = [" ".join(f'"{side}{k}"' for k in range(size)) for side, size in (("r", m), ("c", n))]
    # the row player's strategy varies fastest
    payoffs = " ".join(f"{A[i, j]} {B[i, j]}" for j in range(n) for i in range(m))
    path.write_text(f'NFG 1 R "random {m} x {n}" {{ "Row" "Column" }} '
                    f'{{ {{ {labels[0]} }} {{ {labels[1]} }} }}\n\n{payoffs}\n')
    return path


def test_a_long_default_solve_names_the_faster_method_at_once(tmp_path):
    game = _random_nfg(tmp_path / "random_30x30.nfg", 30, 30)
    process = subprocess.Popen([NEGOTIATION, "solve", str(game)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        # the hint comes before the enumeration starts; a timeout only guards a hung test
        hint = {}
        reader = threading.Thread(target=lambda: hint.setdefault("line", process.stderr.readline()))
        reader.start()
        reader.join(timeout=60)
        assert "line" in hint, "no hint within 60 s"
    finally:
        process.kill()
        process.communicate()
    assert "30 x 30" in hint["line"] and "--method lemke_howson" in hint["line"]


def test_a_small_or_non_default_solve_gives_no_hint(tmp_path, capsys):
    game = _random_nfg(tmp_path / "random_4x5.nfg", 4, 5)
    assert main(["solve", str(game)]) == 0
    assert capsys.readouterr().err == ""
    big = _random_nfg(tmp_path / "random_30x30.nfg", 30, 30)
    assert main(["solve", str(big), "--method", "lemke_howson"]) == 0
    assert capsys.readouterr().err == ""


def test_a_full_disk_during_a_sweep_keeps_the_finished_chunks_and_resumes(tmp_path, monkeypatch, capsys):
    import pandas as pd

    from negotiation.cli import main

    out = tmp_path / "sweep"
    args = ["sweep", "madrid_2025", "--param", "talks.breakdown_probability=0:0.3:6", "--chunk-size", "2",
            "--quiet", "--no-figures", "--out", str(out)]
    real = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def full_after_two(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_after_two)
    code = main(args)
    err = capsys.readouterr().err
    assert code in (1, 2) and "Traceback" not in err and "No space left on device" in err
    assert len(err.strip().splitlines()) == 1
    assert len(list((out / "chunks").glob("*.parquet"))) == 1  # the chunk written before the disk filled
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    assert main([*args, "--resume"]) == 0
    fresh = tmp_path / "fresh"
    assert main([*args[:-1], str(fresh)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), pd.read_parquet(fresh / "sweep.parquet"))
