"""Loading and grouping the memory run files: the experiments' run files of one scale,
the default random stream, the chronic GluN2B arm and the condition order of the tables.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..figures.style import CONDITION_ORDER as _STYLE_ORDER
from ..run_file import RunData

#: The experiment of the main comparison (section "Memory encoding").
EXPERIMENT = "memory-encoding"
#: Order of conditions in tables and figures (science.md §5): the one order of
#: :mod:`mgnet.analysis.figures.style`.
CONDITION_ORDER = _STYLE_ORDER
#: Label suffix of the chronic GluN2B arm (options.glun2b = "chronic", science.md §6).
CHRONIC = "+chronic"


def load_memory_runs(results: Path, scale: str | None = None) -> list[RunData]:
    """Complete memory-encoding runs in ``results/runs`` (of one scale if given) on
    their default random stream (stream variants are the noise floor's,
    :func:`noise_floor_section`)."""
    from ..memory_perturbations import split_perturbed  # robustness runs: own section
    from ..run_file import list_runs, read_run
    paths = list_runs(Path(results) / "runs", EXPERIMENT, scale)
    runs = split_perturbed([(p, read_run(p)) for p in paths])[0]
    return [r for r in runs if _default_stream(r)]


def glun2b_arm(run: RunData) -> str:
    """``"chronic"`` if the run's resolved config asked for the chronic GluN2B arm."""
    import tomllib
    try:
        opts = tomllib.loads(str(run.attrs.get("config_toml", ""))).get("options", {})
    except tomllib.TOMLDecodeError:
        return "acute"
    return str(opts.get("glun2b", "acute"))


def condition_label(run: RunData) -> str:
    """The run's condition, with :data:`CHRONIC` appended for the chronic arm."""
    c = str(run.attrs["condition"])
    return c + CHRONIC if glun2b_arm(run) == "chronic" else c


def _by_condition_seed(runs: Sequence[RunData]) -> dict:
    out: dict = {}
    for r in runs:
        out.setdefault(condition_label(r), {})[int(r.attrs["seed"])] = r
    return out


def _load(results: Path, experiment: str, scale: str | None):
    from ..run_file import list_runs, read_run
    return [read_run(p) for p in list_runs(Path(results) / "runs", experiment, scale)]


def _ordered(conds) -> list[str]:
    return [c for c in CONDITION_ORDER if c in conds] + sorted(
        c for c in conds if c not in CONDITION_ORDER)


def _default_stream(run: RunData) -> bool:
    s = run.metrics.get("stream_seed")
    return s is None or int(s) == int(run.attrs["seed"])
