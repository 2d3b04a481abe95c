"""What every report shares: number formats, embedded figures, the assumptions table, the
templates' environment and rendering.

Used by :mod:`negotiation.report.build` (one-round scenarios), :mod:`negotiation.report.types`
(private types) and :mod:`negotiation.report.rounds` (rounds over a state).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

__all__ = ["DISTRIBUTION_KEY", "JUDGEMENT_SOURCE", "RULE_WORDS", "TEMPLATES", "assumptions_and_settings", "break_at_dots",
           "distribution_text", "embed_figure", "environment", "format_number", "format_percent", "read_scenario_source", "render_documents",
           "setting_words"]

#: What the assumptions table says of a value's source in a scenario without [sources].
JUDGEMENT_SOURCE = "judgement (see the comment in the scenario file)"

#: How the declared distributions are written in the assumptions table: name -> parameters in order.
DISTRIBUTION_PARAMETERS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"), "normal": ("mean", "sd"), "gaussian": ("mean", "sd"),
    "triangular": ("low", "mode", "high"), "lognormal": ("mu", "sigma"), "beta": ("a", "b", "low", "high"),
    "discrete": ("values", "weights"), "choice": ("values", "weights"),
}
DISTRIBUTION_KEY = ("normal(mean, sd), uniform(low, high), triangular(low, mode, high), lognormal(mu, sigma), "
                    "beta(a, b, low, high), discrete(values; weights)")

#: Selection rules in words, where the name alone reads badly.
RULE_WORDS = {"logit_qre": "logit QRE", "payoff_dominant": "payoff dominance",
              "risk_dominant": "risk dominance"}

TEMPLATES = Path(__file__).parent / "templates"


def format_percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def format_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def embed_figure(fig: Any, folder: Path, stem: str, caption: str) -> dict[str, str]:
    """Save ``fig`` as ``folder/stem.png`` (no PDF twin: the Markdown links the PNG only);
    return its caption, file (relative to the report) and data URI."""
    from negotiation.viz.style import save_figure

    paths = save_figure(fig, folder, stem)
    png = next(p for p in paths.values() if Path(p).suffix == ".png")
    for p in paths.values():
        if Path(p).suffix != ".png":
            Path(p).unlink(missing_ok=True)
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    return {"stem": stem, "caption": caption, "file": f"figures/{Path(png).name}",
            "data_uri": f"data:image/png;base64,{data}"}


def distribution_text(spec: Any) -> str:
    """A declared distribution in one short phrase: ``normal(0.62, 0.04)``.

    >>> distribution_text({"distribution": "triangular", "low": 0.0, "mode": 0.1, "high": 0.3})
    'triangular(0, 0.1, 0.3)'
    >>> distribution_text({"distribution": "discrete", "values": [0.1, 0.2]})
    'discrete(0.1, 0.2)'
    """
    if not isinstance(spec, Mapping):
        return str(spec)
    name = str(spec.get("distribution", "?"))
    parts = []
    for key in DISTRIBUTION_PARAMETERS.get(name, tuple(k for k in spec if k != "distribution")):
        value = spec.get(key)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            parts.append(", ".join(format_number(float(v)) for v in value))
        else:
            parts.append(format_number(float(value)) if isinstance(value, (int, float)) else str(value))
    return f"{name}({'; '.join(parts) if name in ('discrete', 'choice') else ', '.join(parts)})"


def declared_uncertainty_words(config: Mapping[str, Any]) -> dict[str, str]:
    """Each value's declared distribution in words, by key path."""
    from negotiation.io.study_schema import flatten_tables

    table = config.get("uncertainty")
    if not isinstance(table, Mapping):
        return {}
    flat = flatten_tables(table, lambda t: "distribution" in t)
    return {key: distribution_text(spec) for key, spec in flat.items()}


def setting_words(key: str, config: Mapping[str, Any]) -> str:
    """A solver or sweep setting in words (a sweep range names its value in words)."""
    from negotiation.viz.style import describe

    if key == "solver.selection_rule":
        return "Rule that picks one equilibrium where a stage has several"
    if key.startswith("sweep.parameters."):
        inner, _, field = key[len("sweep.parameters."):].rpartition(".")
        if inner and field:
            return f"Sweep range of {describe(inner, config)}: {field.split('[')[0]}"
    return describe(key, config)


def assumptions_and_settings(config: Mapping[str, Any]) -> tuple[list[dict[str, str]], list[dict[str, str]],
                                                                   list[dict[str, str]]]:
    """The model's values (with source and declared uncertainty), the settings of the solver
    and the sweep, and any declared uncertainty that names no value of the model."""
    from negotiation.io.key_paths import numeric_key_paths
    from negotiation.io.sources import MODEL_SECTIONS, model_key_paths, source_text
    from negotiation.viz.style import describe

    values = dict(numeric_key_paths(config))
    declared = declared_uncertainty_words(config)
    model = model_key_paths(config)
    assumptions = [
        {"key_path": key, "words": describe(key, config), "value": format_number(values[key]),
         "uncertainty": declared.get(key, ""),
         "source": " ".join(source_text(config, key).split()) if config.get("sources") else JUDGEMENT_SOURCE}
        for key in model
    ]
    # a source shared by consecutive values (a [sources] prefix: every level of an issue) is
    # written once
    if config.get("sources"):
        sources = [a["source"] for a in assumptions]
        for row, this, above in zip(assumptions[1:], sources[1:], sources[:-1], strict=True):
            if this == above:
                row["source"] = "as above"
    settings = [{"key_path": key, "words": setting_words(key, config), "value": format_number(value)}
                for key, value in numeric_key_paths(config)
                if key.split(".")[0] not in (*MODEL_SECTIONS, "uncertainty")]
    solver = config.get("solver")
    if isinstance(solver, Mapping):  # the solver's named choices (selection rule, method)
        settings += [{"key_path": f"solver.{k}", "words": setting_words(f"solver.{k}", config), "value": str(v)}
                     for k, v in solver.items() if isinstance(v, str)]
    orphans = [{"key_path": k, "uncertainty": v} for k, v in declared.items() if k not in set(model)]
    return assumptions, settings, orphans


def break_at_dots(text: str) -> Markup:
    """A key path, HTML-escaped, that may wrap after its dots (``<wbr>``: nothing is copied)."""
    return Markup(str(escape(text)).replace(".", ".<wbr>"))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        # escaping on for the HTML only: the Markdown is text, and scenario strings are user input
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["break_at_dots"] = break_at_dots
    return env


def render_documents(context: Mapping[str, Any], out: Path, stem: str) -> dict[str, Path]:
    """Render ``{stem}.html.j2`` and ``{stem}.md.j2`` with ``context`` into ``out/report.html``
    and ``out/report.md``; return name -> path of both."""
    env = environment()
    written = {}
    for suffix in ("html", "md"):
        text = env.get_template(f"{stem}.{suffix}.j2").render(**context)
        path = out / f"report.{suffix}"
        path.write_text(text, encoding="utf-8")
        written[path.name] = path
    return written


def read_scenario_source(config_or_path: Mapping[str, Any] | str | Path) -> tuple[Mapping[str, Any], str, str]:
    """A report's input as ``(config, source, name)``: a parsed config as given (source ""), or
    the config read from a TOML file or packaged name (source its path); ``name`` is the file's
    name, else the scenario's."""
    from negotiation.io.config import read_config, resolve_config_path

    if isinstance(config_or_path, Mapping):
        return config_or_path, "", str(config_or_path.get("scenario", {}).get("name", "<config>"))
    path = resolve_config_path(str(config_or_path))
    return read_config(path), str(path), path.name

