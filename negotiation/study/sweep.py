r"""Running a sweep: one batched solve per chunk of points, each chunk checkpointed, tidy rows.

A sweep solves a scenario at every point of a :class:`~negotiation.study.design.SweepDesign`
with the same validation as a single run (a point that makes the scenario invalid gets
``status = "invalid"``) and returns one row per point that repeats its parameters: ``point``
(its index), ``seed`` (sampled designs), one column per key path, then the result columns
of :func:`negotiation.study.points.solve_points`.

Execution and checkpoints
-------------------------
Points are cut into chunks of ``chunk_size`` consecutive points; a chunk is the unit of
work (serially, in a ``ProcessPoolExecutor``, or on a Dask cluster) and of checkpointing:
each finished chunk is written atomically to ``OUT/chunks/chunk-NNNNNN.parquet`` as soon
as it completes. ``OUT/manifest.json`` records the design, a hash of the scenario config
and a hash of the points, so a resumed sweep refuses a changed config or design; the
SHA-256 of each chunk file is recorded in ``OUT/checksums/chunk-NNNNNN.json``, and a resumed
sweep recomputes a chunk that does not match it. A running sweep holds an exclusive lock on
``OUT/.lock``: a second sweep into the same folder is refused (:class:`OutDirInUse`). The final
table (``OUT/sweep.parquet``, ``OUT/sweep.csv``) is always assembled from the chunk files,
in point order, so it is the same whether the sweep ran in one go or was interrupted and
resumed, and whatever the number of workers. It is assembled by streaming, a chunk at a
time, and :attr:`SweepResult.table` reads it only when asked: memory does not grow with the
number of points.

pandas, pyarrow, tqdm and Dask are imported by the functions that use them.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from negotiation.io.config import base_config
from negotiation.study.design import SweepDesign, design_points
from negotiation.version import __version__

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHUNKS",
    "CheckpointConflict",
    "MissingDependency",
    "OutDirInUse",
    "SweepError",
    "SweepIncomplete",
    "SweepResult",
    "assemble_table",
    "atomic_write",
    "chunk_bounds",
    "chunk_path",
    "config_hash",
    "read_manifest",
    "read_sweep",
    "row_groups",
    "run_sweep",
    "sweep_manifest",
]

#: Version of the checkpoint layout (manifest and chunk files).
CHECKPOINT_FORMAT = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks"
#: Beside ``chunks/``: ``chunk-NNNNNN.json`` with the SHA-256 of each chunk file as written
#: (outside ``chunks/``, whose listing is the chunk files alone).
CHECKSUMS = "checksums"
#: The lock file a running sweep holds (``flock``) on its output folder.
LOCK = ".lock"
TABLE_CSV = "sweep.csv"
TABLE_PARQUET = "sweep.parquet"
#: Rows per row group of ``sweep.parquet`` (chunks are gathered up to this many rows).
ROW_GROUP = 65_536

#: A solver of a batch of points: ``solver(base, {key path: values}, source=...)`` returns
#: one row per point (see :func:`negotiation.study.points.solve_points`).
PointSolver = Callable[..., "pd.DataFrame"]


class SweepError(RuntimeError):
    """A sweep that cannot start or finish; the message says what to do."""


class CheckpointConflict(SweepError):
    """The output folder holds another sweep (or this one, and neither resume nor force)."""


class OutDirInUse(CheckpointConflict):
    """Another sweep holds the output folder's lock."""


class MissingDependency(SweepError):
    """An optional dependency (Dask's ``distributed``) is not installed."""


class SweepIncomplete(SweepError):
    """Some chunks failed; the finished ones are on disk and ``resume=True`` completes it."""

    def __init__(self, message: str, failed: tuple[int, ...]) -> None:
        super().__init__(message)
        self.failed = failed


def chunk_bounds(n_points: int, chunk_size: int) -> tuple[tuple[int, int], ...]:
    """``(start, stop)`` of each chunk of consecutive points.

    >>> chunk_bounds(5, 2)
    ((0, 2), (2, 4), (4, 5))
    """
    return tuple((start, min(start + chunk_size, n_points)) for start in range(0, n_points, chunk_size))


# ---------------------------------------------------------------- manifest


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config_hash(config: Mapping[str, Any]) -> str:
    """SHA-256 of a config's scenario part (parsed values, so comments do not count)."""
    text = json.dumps(base_config(config), sort_keys=True, default=str, separators=(",", ":"))
    return _sha256(text.encode())


def points_hash(points: np.ndarray) -> str:
    array = np.ascontiguousarray(points, dtype="<f8")
    return _sha256(repr(array.shape).encode() + array.tobytes())


def sweep_manifest(config: Mapping[str, Any], design: SweepDesign, *, source: str = "<config>",
                   points: np.ndarray | None = None) -> dict[str, Any]:
    """What ``OUT/manifest.json`` records: enough to refuse resuming a different sweep."""
    points = design_points(design) if points is None else points
    scenario = config.get("scenario", {})
    return {
        "format": CHECKPOINT_FORMAT,
        "negotiation": __version__,
        "source": source,
        "scenario": scenario.get("name") if isinstance(scenario, Mapping) else None,
        "title": scenario.get("title") if isinstance(scenario, Mapping) else None,
        "config_sha256": config_hash(config),
        "design": design.as_dict(),
        "points": int(points.shape[0]),
        "points_sha256": points_hash(points),
        "chunks": design.n_chunks,
    }


#: Manifest entries that must match for a checkpoint to be resumed.
_COMPARED = ("format", "config_sha256", "design", "points", "points_sha256", "chunks")


def manifest_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Readable differences between two manifests in what matters for resuming."""
    differences = []
    for key in _COMPARED:
        if old.get(key) == new.get(key):
            continue
        if key == "design":
            a, b = old.get("design") or {}, new.get("design") or {}
            for part in sorted(set(a) | set(b)):
                if a.get(part) != b.get(part):
                    differences.append(f"design.{part}: {_brief(a.get(part))} -> {_brief(b.get(part))}")
        elif key == "config_sha256":
            differences.append("the scenario config (its values changed)")
        elif key == "points_sha256" and old.get("design") == new.get("design"):
            differences.append("the generated points (same design: another numpy/scipy version?)")
        elif key != "points_sha256":
            differences.append(f"{key}: {_brief(old.get(key))} -> {_brief(new.get(key))}")
    return differences


def _brief(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[" + ", ".join(str(v.get("key_path", "?")) for v in value) + "]"
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- files


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8"))


def chunk_path(out_dir: str | Path, index: int) -> Path:
    return Path(out_dir) / CHUNKS / f"chunk-{index:06d}.parquet"


def checksum_path(out_dir: str | Path, index: int) -> Path:
    return Path(out_dir) / CHECKSUMS / f"chunk-{index:06d}.json"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checksum_matches(out: Path, index: int) -> bool:
    """The chunk file is the one this sweep wrote: its SHA-256 is the one recorded beside it."""
    try:
        recorded = json.loads(checksum_path(out, index).read_text(encoding="utf-8"))["sha256"]
        return recorded == _file_sha256(chunk_path(out, index))
    except (OSError, ValueError, KeyError, TypeError):  # missing or damaged: not trusted
        return False


#: Lock file descriptors this process holds (see :func:`_locked`).
_HELD_LOCKS: set[int] = set()


def _drop_inherited_locks() -> None:
    # A forked worker shares the parent's lock: it must not keep the folder locked after
    # the parent is gone (workers can outlive a killed parent).
    for fd in _HELD_LOCKS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (``flock`` on ``out/.lock``) for the sweep's lifetime.

    Non-blocking: a folder another sweep holds is refused at once, whatever ``resume`` or
    ``force`` say. The kernel drops the lock when the process ends (a kill -9 included), so
    a stale lock file never blocks; the file is kept (removing it would let a third sweep
    lock a new file while the second still holds the old one).
    """
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise OutDirInUse(f"{out} is in use by another sweep (pid {holder}); wait for it to finish "
                              "or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD_LOCKS.add(fd)
        yield
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)  # releases the lock


def read_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder, or ``None`` if there is none."""
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CheckpointConflict(f"{path}: unreadable sweep manifest ({error}); use --force to start over") from None


def _owned_files(out: Path) -> list[Path]:
    files = [out / MANIFEST, out / TABLE_CSV, out / TABLE_PARQUET]
    for folder in (CHUNKS, CHECKSUMS):
        files += sorted((out / folder).glob("*")) if (out / folder).is_dir() else []
    files += [out / "figures" / f"phase_map.{ext}" for ext in ("png", "pdf")]
    return [f for f in files if f.is_file()]


def _prepare_out_dir(out: Path, manifest: dict[str, Any], resume: bool, force: bool) -> None:
    existing = read_manifest(out)
    chunks = out / CHUNKS
    if force:
        for f in _owned_files(out):
            f.unlink()
        existing = None
    elif existing is None and chunks.is_dir() and any(chunks.iterdir()):
        raise CheckpointConflict(f"{out}: has {CHUNKS}/ but no {MANIFEST}: not a sweep folder this version "
                                 "can resume; use --force to start over or choose another --out")
    elif existing is not None:
        differences = manifest_differences(existing, manifest)
        done = sum(1 for i in range(int(existing.get("chunks") or 0)) if chunk_path(out, i).exists())
        if differences:
            raise CheckpointConflict(
                f"{out}: holds a different sweep ({done} of {existing.get('chunks')} chunks done); it differs in: "
                + "; ".join(differences) + ". Use --force to replace it, or choose another --out"
            )
        if not resume:
            state = "complete" if done == existing.get("chunks") else f"{done} of {existing.get('chunks')} chunks done"
            raise CheckpointConflict(f"{out}: already holds this sweep ({state}); use --resume to reuse it, "
                                     "or --force to recompute it")
    chunks.mkdir(parents=True, exist_ok=True)
    (out / CHECKSUMS).mkdir(exist_ok=True)
    for stale in [*chunks.glob(".*.tmp-*"), *(out / CHECKSUMS).glob(".*.tmp-*")]:  # a write cut short by a kill
        stale.unlink()
    if existing is None:
        _write_json(out / MANIFEST, {**manifest, "created_at": datetime.now(UTC).isoformat()})


# ---------------------------------------------------------------- running


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep: where its table is, and what this call computed.

    ``computed``, ``reused`` and ``replaced`` list chunk indices: solved in this call, found
    finished on disk, found on disk but not matching the design (recomputed).
    """

    out_dir: Path
    design: SweepDesign
    computed: tuple[int, ...]
    reused: tuple[int, ...]
    replaced: tuple[int, ...] = ()
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """The whole table (one row per point, in point order), read from ``sweep.parquet``."""
        return read_sweep(self.out_dir)

    @property
    def row_groups(self) -> int:
        """The number of parts of the table (:func:`row_groups`)."""
        return row_groups(self.out_dir)

    def read(self, columns: Sequence[str] | None = None, *, row_group: int | None = None) -> pd.DataFrame:
        """Some columns of the table (all by default), or of one of its row groups."""
        return read_sweep(self.out_dir, columns=columns, row_group=row_group)


def solve_chunk(solver: PointSolver, base: Mapping[str, Any], key_paths: tuple[str, ...],
                values: np.ndarray, source: str) -> pd.DataFrame:
    """Solve one chunk (this is what runs on a worker)."""
    overrides = {key: np.ascontiguousarray(values[:, j]) for j, key in enumerate(key_paths)}
    return solver(base, overrides, source=source)


def _chunk_frame(frame: pd.DataFrame, design: SweepDesign, start: int, values: np.ndarray) -> pd.DataFrame:
    """The solver's rows made into checkpoint rows: ``point`` (and ``seed``), parameters, results."""
    import pandas as pd

    if len(frame) != len(values):
        raise SweepError(f"the solver returned {len(frame)} rows for {len(values)} points")
    frame = frame.reset_index(drop=True)
    out = {"point": np.arange(start, start + len(values), dtype=np.int64)}
    if design.seed is not None:
        out["seed"] = np.full(len(values), design.seed, dtype=np.int64)
    for j, key in enumerate(design.key_paths):
        out[key] = values[:, j]
    rest = {c: frame[c] for c in frame.columns if c not in out}
    return pd.DataFrame({**out, **rest})


def _chunk_matches(path: Path, design: SweepDesign, start: int, values: np.ndarray) -> bool:
    """A chunk on disk belongs to this design: its points and parameter values are the expected ones."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["point", *design.key_paths])
    except Exception:  # noqa: BLE001 - any unreadable file (or one without these columns) is recomputed
        return False
    if table.num_rows != len(values):
        return False
    if not np.array_equal(table.column("point").to_numpy(), np.arange(start, start + len(values))):
        return False
    return all(np.array_equal(table.column(k).to_numpy().astype(float), values[:, j])
               for j, k in enumerate(design.key_paths))


@contextlib.contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[cf.Executor | None]:
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise MissingDependency(
                "--scheduler needs Dask's distributed package: pip install 'negotiation[distributed]'"
            ) from None
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        try:
            yield client.get_executor(pure=False, retries=2)
        finally:
            client.close()
    elif workers > 1:
        with cf.ProcessPoolExecutor(workers, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            yield pool
    else:
        yield None


#: ``prctl`` option: the signal the kernel sends this process when its parent ends (Linux).
_PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent where the kernel cannot watch it.
_PARENT_POLL_SECONDS = 1.0


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker as soon as the sweep process ``parent`` ends.

    Without it a worker of a killed sweep (kill -9 gives the pool no chance to stop it)
    finishes its chunk, waits on the task queue and lives on. On Linux the kernel itself
    sends SIGKILL when the worker's parent ends (``prctl(PR_SET_PDEATHSIG)``): nothing to
    poll, and it works while the worker is busy in a long solve. The signal follows the
    parent *thread* that forked the worker; the pool forks from the thread that submits,
    which stays inside :func:`run_sweep` while the pool lives. Elsewhere a daemon thread
    polls ``os.getppid()``, which changes when the parent ends (the worker is adopted).
    """
    if sys.platform.startswith("linux") and _set_parent_death_signal(signal.SIGKILL):
        # the parent may have ended before the signal was armed: then nobody sends it
        if os.getppid() != parent and not pid_alive(parent):
            os._exit(1)
        return
    watched = os.getppid()
    if watched != parent and not pid_alive(parent):
        os._exit(1)
    threading.Thread(target=_exit_when_orphaned, args=(watched,), name="negotiation-parent-watch",
                     daemon=True).start()


def _set_parent_death_signal(signum: int) -> bool:
    """``prctl(PR_SET_PDEATHSIG, signum)``; False where it is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine has the id ``pid`` (signal 0 probes without harm)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone, or no pid at all
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def run_sweep(
    config: Mapping[str, Any],
    design: SweepDesign,
    out_dir: str | Path,
    *,
    source: str = "<config>",
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool | None = False,
    solver: PointSolver | None = None,
) -> SweepResult:
    """Solve every point of a design, checkpointing each chunk, and write the table.

    Parameters
    ----------
    config : mapping
        The parsed scenario config (its ``sweep``/``uncertainty`` tables are ignored here).
    design : SweepDesign
        From :func:`negotiation.study.design.sweep_design`.
    out_dir : path
        Gets ``manifest.json``, ``chunks/``, ``sweep.parquet`` and ``sweep.csv``.
    workers : int
        Local worker processes (1: in this process).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); overrides ``workers``.
    resume : bool
        Continue the sweep already in ``out_dir`` (refused if its config or design differ),
        recomputing only missing chunks.
    force : bool
        Discard a sweep already in ``out_dir``.
    progress : bool or None
        Show a progress bar (``None``: when stderr is a terminal).
    solver : callable, optional
        ``solver(base, overrides, source=...)``; default
        :func:`negotiation.study.points.solve_points`. Must be picklable for ``workers > 1``.

    Returns
    -------
    SweepResult
        Its ``table`` is read from ``sweep.parquet`` when asked for.

    Raises
    ------
    CheckpointConflict
        ``out_dir`` holds another sweep, or this one without ``resume``/``force``, or its
        manifest was replaced while this sweep ran (the table is then not assembled).
    OutDirInUse
        Another sweep is running in ``out_dir`` (a :class:`CheckpointConflict`).
    SweepIncomplete
        Some chunks failed (e.g. a worker died); the finished ones are saved.
    KeyboardInterrupt
        Passed on after cancelling pending work; finished chunks are saved.

    Examples
    --------
    >>> import tempfile
    >>> from negotiation.io.config import default_config_path, read_config
    >>> from negotiation.study.design import sweep_design
    >>> config = read_config(default_config_path())
    >>> design = sweep_design(config, overrides={"parameters": {
    ...     "sides.china.utilities.tariffs[1]": {"low": 0.44, "high": 0.6, "points": 3}}})
    >>> with tempfile.TemporaryDirectory() as out:
    ...     result = run_sweep(config, design, out)
    ...     print(result.table[["point", "sides.china.utilities.tariffs[1]", "talks_outcome"]].to_string(index=False))
     point  sides.china.utilities.tariffs[1] talks_outcome
         0                              0.44    us_leaning
         1                              0.52    us_leaning
         2                              0.60      deadlock
    """
    if solver is None:
        from negotiation.study.points import solve_points as solver
    out = Path(out_dir)
    # one sweep at a time in a folder: two would mix their chunks and manifests
    with _locked(out):
        return _run_locked(config, design, out, source=source, workers=workers, scheduler=scheduler,
                           resume=resume, force=force, progress=progress, solver=solver)


def _run_locked(config: Mapping[str, Any], design: SweepDesign, out: Path, *, source: str, workers: int,
                scheduler: str | None, resume: bool, force: bool, progress: bool | None,
                solver: PointSolver) -> SweepResult:
    """:func:`run_sweep` with the lock on ``out`` held."""
    points = design_points(design)
    manifest = sweep_manifest(config, design, source=source, points=points)
    _prepare_out_dir(out, manifest, resume=resume, force=force)
    base = base_config(config)
    bounds = chunk_bounds(len(points), design.chunk_size)

    reused, replaced, todo = [], [], []
    for index, (start, stop) in enumerate(bounds):
        path = chunk_path(out, index)
        # a chunk is trusted only if it is byte for byte the one written (checksum) and holds
        # this design's points
        if path.exists() and _checksum_matches(out, index) and _chunk_matches(path, design, start, points[start:stop]):
            reused.append(index)
        else:
            if path.exists():
                replaced.append(index)
            todo.append(index)

    from tqdm import tqdm

    done_points = sum(stop - start for start, stop in (bounds[i] for i in reused))
    bar = tqdm(total=len(points), initial=done_points, unit="point", desc="sweep", file=sys.stderr,
               disable=None if progress is None else not progress, dynamic_ncols=True)

    def finish(index: int, frame: pd.DataFrame) -> None:
        start, stop = bounds[index]
        rows = _chunk_frame(frame, design, start, points[start:stop])
        path = chunk_path(out, index)

        def write(tmp: Path) -> None:
            # The checksum is recorded before the chunk is renamed into place: a kill in between
            # leaves a checksum without its chunk (the chunk is computed again), never a
            # finished chunk without its checksum (which would be recomputed needlessly).
            rows.to_parquet(tmp, index=False)
            _write_json(checksum_path(out, index), {"chunk": path.name, "sha256": _file_sha256(tmp)})

        atomic_write(path, write)
        bar.update(stop - start)

    failures: dict[int, BaseException] = {}
    try:
        with _executor(workers, scheduler) as executor:
            if executor is None:
                for index in todo:
                    start, stop = bounds[index]
                    try:
                        frame = solve_chunk(solver, base, design.key_paths, points[start:stop], source)
                    except Exception as error:  # noqa: BLE001 - reported below, the rest go on
                        failures[index] = error
                        continue
                    finish(index, frame)
            else:
                _run_parallel(executor, solver, base, design, points, bounds, todo, source, finish, failures)
    finally:
        bar.close()

    if failures:
        first = min(failures)
        error = failures[first]
        raise SweepIncomplete(
            f"{len(failures)} of {len(bounds)} chunks failed (chunk {first}: {type(error).__name__}: {error}); "
            f"the {len(bounds) - len(failures)} finished chunks are saved in {out / CHUNKS}; "
            "run again with --resume to compute the rest",
            tuple(sorted(failures)),
        )
    # the lock keeps other sweeps out, but not every writer: the table is assembled only if
    # the folder still holds this sweep
    on_disk = read_manifest(out)
    differences = ["the manifest is gone"] if on_disk is None else manifest_differences(on_disk, manifest)
    if differences:
        raise CheckpointConflict(f"{out}: its manifest was replaced while this sweep ran (it differs in: "
                                 + "; ".join(differences) + "); the table is not assembled. Run again with "
                                 "--force, or choose another --out")
    files = assemble_table(out, len(bounds))
    return SweepResult(out, design, tuple(todo), tuple(reused), tuple(replaced), files)


def _run_parallel(executor: cf.Executor, solver: PointSolver, base: Mapping[str, Any], design: SweepDesign,
                  points: np.ndarray, bounds: tuple[tuple[int, int], ...], todo: list[int], source: str,
                  finish: Callable[[int, Any], None], failures: dict[int, BaseException]) -> None:
    """Submit every chunk to ``executor``; write each as it completes; note failures."""
    futures = {
        executor.submit(solve_chunk, solver, base, design.key_paths, points[start:stop], source): index
        for index, (start, stop) in ((i, bounds[i]) for i in todo)
    }
    try:
        for future in cf.as_completed(list(futures)):
            # Forget each future once handled: a finished future holds its chunk's table, and
            # keeping them all would grow the parent by the whole sweep (~200 bytes a point).
            index = futures.pop(future)
            try:
                frame = future.result()
            except Exception as error:  # noqa: BLE001 - reported by run_sweep
                failures[index] = error
                continue
            finally:
                del future
            finish(index, frame)
            del frame
    except BaseException:
        for pending in futures:
            pending.cancel()
        try:
            executor.shutdown(wait=False, cancel_futures=True)
        except TypeError:  # Dask's executor has no cancel_futures (cancelled above)
            executor.shutdown(wait=False)
        raise


# ---------------------------------------------------------------- the table


def assemble_table(out_dir: str | Path, n_chunks: int) -> dict[str, Path]:
    """Write ``sweep.parquet`` and ``sweep.csv`` from the chunk files, in point order.

    The chunks are streamed: each is read, appended to the CSV file and gathered into a row
    group of at least :data:`ROW_GROUP` rows (one chunk more at most), which is written and
    dropped: memory holds one row group at a time, however many points there are.
    Both files are written atomically. Returns their paths.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    out = Path(out_dir)
    parquet, csv = out / TABLE_PARQUET, out / TABLE_CSV

    def write(parquet_path: Path, csv_path: Path) -> None:
        schema = pq.read_schema(chunk_path(out, 0))
        pending: list[pa.Table] = []
        # pyarrow writes the CSV too: streamed, and ten times faster than pandas' to_csv
        with pq.ParquetWriter(parquet_path, schema) as writer, \
                pcsv.CSVWriter(str(csv_path), schema.remove_metadata()) as csv_writer:
            for index in range(n_chunks):
                table = pq.read_table(chunk_path(out, index))
                if not table.schema.equals(schema, check_metadata=False):
                    table = table.select(schema.names).cast(schema)
                csv_writer.write_table(table.replace_schema_metadata(None))
                pending.append(table.replace_schema_metadata(schema.metadata))
                if sum(t.num_rows for t in pending) >= ROW_GROUP or index == n_chunks - 1:
                    group = pa.concat_tables(pending)
                    writer.write_table(group, row_group_size=max(1, group.num_rows))
                    pending = []

    csv_tmp = csv.with_name(f".{csv.name}.tmp-{os.getpid()}")
    try:
        atomic_write(parquet, lambda p: write(p, csv_tmp))
        with open(csv_tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(csv_tmp, csv)
    finally:
        if csv_tmp.exists():
            csv_tmp.unlink()
    return {TABLE_PARQUET: parquet, TABLE_CSV: csv}


def read_sweep(out_dir: str | Path, columns: Sequence[str] | None = None, *,
               row_group: int | None = None) -> pd.DataFrame:
    """A finished sweep's table (``OUT/sweep.parquet``), or some of its columns, or one of
    its row groups (:func:`row_groups`: read a large table a part at a time)."""
    import pandas as pd
    import pyarrow.parquet as pq

    path = Path(out_dir) / TABLE_PARQUET
    names = None if columns is None else list(dict.fromkeys(columns))
    if row_group is None:
        return pd.read_parquet(path, columns=names)
    return pq.ParquetFile(path).read_row_group(row_group, columns=names).to_pandas()


def row_groups(out_dir: str | Path) -> int:
    """The number of row groups of a finished sweep's table (each of at least
    :data:`ROW_GROUP` rows but the last)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(Path(out_dir) / TABLE_PARQUET).metadata.num_row_groups
