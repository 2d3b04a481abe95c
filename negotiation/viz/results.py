"""A scenario's results folder: ``summary.json``, ``summary.txt`` and the figures.

An edge module: it writes what :mod:`negotiation.analysis.summary` says about an
:class:`~negotiation.analysis.pipeline.Analysis` (``analysis.to_dict()`` and
:func:`~negotiation.analysis.summary.text_summary`) and the figures of
:func:`negotiation.viz.figures.save_report_figures`; it computes no equilibrium itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from negotiation.analysis.pipeline import Analysis
from negotiation.analysis.summary import text_summary

__all__ = ["write_results"]


def write_results(analysis: Analysis, out_dir: str | Path, figures: bool = True) -> dict[str, Path]:
    """Write ``summary.json``, ``summary.txt`` and (optionally) the figures into ``out_dir``.

    Parameters
    ----------
    analysis : Analysis
    out_dir : str or Path
        The results folder (created if needed); figures go to ``out_dir/figures``.
    figures : bool
        Also draw and save the figures (PNG and PDF).

    Returns
    -------
    dict
        Name (relative to ``out_dir``) -> path of every file written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
