"""A scenario's results folder: ``summary.json``, ``summary.txt`` and the figures.

An edge module: it writes what :mod:`negotiation.analysis.summary` says about an
:class:`~negotiation.analysis.pipeline.Analysis` (``analysis.to_dict()`` and
:func:`~negotiation.analysis.summary.text_summary`) and the figures of
:func:`negotiation.viz.figures.save_report_figures`; it computes no equilibrium itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from negotiation.analysis.pipeline import Analysis
from negotiation.analysis.summary import text_summary
from negotiation.study.sweep import pid_alive

__all__ = ["remove_stale_staging", "write_folder", "write_results"]


def write_results(analysis: Analysis, out_dir: str | Path, figures: bool = True) -> dict[str, Path]:
    """Write ``summary.json``, ``summary.txt`` and (optionally) the figures into ``out_dir``,
    atomically (:func:`write_folder`).

    Parameters
    ----------
    analysis : Analysis
    out_dir : str or Path
        The results folder (created if needed, replaced whole if it exists); figures go to
        ``out_dir/figures``.
    figures : bool
        Also draw and save the figures (PNG and PDF).

    Returns
    -------
    dict
        Name (relative to ``out_dir``) -> path of every file written.
    """
    return write_folder(out_dir, lambda staging: _write_files(analysis, staging, figures))


def write_folder(out_dir: str | Path, write: Callable[[Path], dict[str, Path]]) -> dict[str, Path]:
    """Fill a results folder with ``write(folder)`` (which returns name -> path of the files it
    wrote), atomically.

    The files are written into a temporary sibling folder that is renamed into place only
    once complete, so a reader (or a run killed half-way, or a full disk) sees the previous
    results or the new ones, never a mix; a failed write leaves the previous folder as it was.
    Staging folders that killed runs left in the same parent are removed first
    (:func:`remove_stale_staging`).
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    # hidden, and unique per writer, so that two runs never share a staging folder; the pid
    # tells a later run whether its writer is still alive (remove_stale_staging)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        written = write(staging)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {name: out / path.relative_to(staging) for name, path in written.items()}


#: A staging folder (``.NAME.partial-PID-TOKEN``) or a previous folder moved aside
#: (``.NAME.old-PID-TOKEN``) by :func:`write_results` in process PID.
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?P<kind>partial|old)-(?P<pid>[0-9]+)-(?P<token>[0-9a-f]{8})$")


def remove_stale_staging(out_dir: str | Path) -> list[Path]:
    """Remove the staging folders that killed writers left beside ``out_dir``.

    A run killed before its swap leaves ``.NAME.partial-PID-TOKEN`` (or, killed between the
    two renames of the fallback swap, ``.NAME.old-PID-TOKEN``) in the parent folder. A folder
    is removed only if process PID is gone: a live writer's folder is never touched, and a
    reused pid at worst keeps a stale folder a little longer. If a killed writer had
    moved ``NAME`` aside but not yet renamed its finished staging folder into place, the
    finished folder is renamed into place instead of removed. Pids are this machine's: writers
    on other machines (or in other PID namespaces) must not share the parent folder.

    Parameters
    ----------
    out_dir : str or Path
        A results folder; stale folders of every results folder in its parent are removed.

    Returns
    -------
    list of Path
        The folders removed.
    """
    out = Path(out_dir)
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return []
    stale = []
    for entry in entries:
        match = _STAGING.match(entry.name)
        if match and int(match["pid"]) != os.getpid() and not pid_alive(int(match["pid"])):
            stale.append((entry, match))
    removed = []
    # a moved-aside folder first: it decides whether its staging folder is kept
    for entry, match in sorted(stale, key=lambda item: item[1]["kind"] != "old"):
        if match["kind"] == "old" and not (out.parent / match["name"]).exists():
            # killed between the two renames: its staging folder was complete
            finished = entry.with_name(f".{match['name']}.partial-{match['pid']}-{match['token']}")
            with contextlib.suppress(OSError):
                os.rename(finished if finished.is_dir() else entry, out.parent / match["name"])
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _write_files(analysis: Analysis, out: Path, figures: bool) -> dict[str, Path]:
    written: dict[str, Path] = {}
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", encoding="utf-8")
    written["summary.json"] = summary_path
    text_path = out / "summary.txt"
    text_path.write_text(text_summary(analysis) + "\n", encoding="utf-8")
    written["summary.txt"] = text_path
    if figures:
        from negotiation.viz.figures import save_report_figures

        written.update(save_report_figures(analysis, out))
    return written


#: ``renameat2`` flag swapping two paths in one step (Linux >= 3.15).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot (then nothing moved)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def _swap_into_place(staging: Path, out: Path) -> None:
    """Rename the finished ``staging`` folder to ``out``, replacing a previous ``out``."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        # staging now holds the previous results
        shutil.rmtree(staging, ignore_errors=True)
        return
    # no atomic exchange here: the previous folder is moved aside only once the new one is
    # complete, so at worst a reader finds no folder for an instant, never a mixed one
    old = staging.with_name(staging.name.replace(".partial-", ".old-"))
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
