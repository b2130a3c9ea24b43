"""The typed interface of an experiment (issue 16): what ``mgnet run``, ``mgnet options``,
``mgnet sweep`` and ``mgnet reproduce`` need to know about one protocol, in one value.

An experiment is one module of :mod:`mgnet.experiments` that ends with a module-level

    EXPERIMENT = Experiment(name=NAME, description=DESCRIPTION, options=OPTIONS, run=run,
                            scales=SCALES, reproduce=(Runs(("baseline",), (0,)),))

:mod:`mgnet.experiments.registry` finds these declarations in the package's sources, so a
new experiment edits no shared list (README.md, "Adding an experiment").  Standard
library only: an experiment module imports this, never the registry, the config loader or
the runner, which sit above it.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .scales import SCALES

__all__ = ["Experiment", "Runs", "CULTURE_CONDITIONS", "QUICK_CONDITIONS", "NOISE_STREAM",
           "network_run_fields"]

#: The conditions of science.md §5, in report order (culture validation, memory).
CULTURE_CONDITIONS = ("baseline", "elevated_mg", "elevated_mg_o_only", "elevated_mg_i_only",
                      "aged", "aged_elevated_mg")
#: At ``--scale quick`` (tests, CI) an experiment with ``quick_trim`` runs only these
#: conditions of its :class:`Runs`: the same code path in minutes.
QUICK_CONDITIONS = ("baseline", "elevated_mg")
#: Brian2 stream seed of the noise-floor runs (any value no structure seed uses): the
#: plain runs again on another release random stream (memory-encoding, memory-planted).
NOISE_STREAM = 7_777_777

_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Runs:
    """Runs that ``mgnet reproduce`` makes of one experiment: every condition at every
    seed, with ``options`` (plain TOML-like values, as in a config's ``[options]``) over
    the scale's defaults.  Runs with options are *variants* of the plain runs of the same
    experiment, condition and seed (e.g. the noise floor on another random stream); their
    run files carry a config tag."""

    conditions: tuple[str, ...]
    seeds: tuple[int, ...]
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not self.conditions or not all(isinstance(c, str) for c in self.conditions):
            raise TypeError(f"Runs.conditions must be condition names, got {self.conditions!r}")
        if not self.seeds or not all(isinstance(s, int) and s >= 0 for s in self.seeds):
            raise TypeError(f"Runs.seeds must be integers >= 0, got {self.seeds!r}")


@dataclass(frozen=True)
class Experiment:
    """One experiment, declared by its module as ``EXPERIMENT``.

    Parameters
    ----------
    name : str
        The name on the command line (``mgnet run NAME``), lower case with hyphens.
    description : str
        One line for ``mgnet list``.
    options : dataclass type
        The ``[options]`` of a config: protocol and run choices, each field declared with
        :func:`mgnet.models.parameters.param` (default, unit, range, meaning).
    run : callable
        ``run(cfg, progress) -> mgnet.analysis.run_file.RunData`` for one resolved config.
    scales : mapping
        Scale name (``quick``, ``default``, ``paper``) -> option overrides.
    param_sections : tuple of str, optional
        The ``[params]`` sections the experiment reads (default: all of them); a config
        that changes another section is refused.
    check_options : callable, optional
        ``check_options(opts)`` raises :class:`~mgnet.experiments.errors.ConfigError` on a
        combination of options the experiment cannot run.
    resolve_params : callable, optional
        ``resolve_params(params, opts, condition, overrides) -> ModelParams``: a protocol
        choice that stands for physical values resolves into parameters at config time.
    run_group : callable, optional
        ``run_group(cfgs, progress)`` yields the run data of configs that differ only in
        the condition from one network build (compile once, rerun per condition); the
        sweep engine then gives the runs of one seed one task.
    reproduce : tuple of :class:`Runs`
        What ``mgnet reproduce`` runs (none: the experiment is not part of it).
    task_minutes : float
        The longest-first weight: measured minutes of the experiment's longest single
        sweep task at default scale on the idle reference machine.  ``mgnet reproduce``
        submits heavier tasks first, so that the workers finish together.
    quick_trim : bool
        At ``--scale quick`` run only :data:`QUICK_CONDITIONS` of each :class:`Runs`
        (every experiment runs only the first seed there).
    order : int
        Where the experiment stands in ``mgnet list``, the names an error message allows
        and ``mgnet reproduce``'s plan: lower first, equal ones by name.  The package's
        experiments go from the synapse (10) through branches and cultures to memory
        (120); the default puts a new one after them.
    """

    name: str
    description: str
    options: type
    run: Callable
    scales: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    param_sections: tuple[str, ...] | None = None
    check_options: Callable | None = None
    resolve_params: Callable | None = None
    run_group: Callable | None = None
    reproduce: tuple[Runs, ...] = ()
    task_minutes: float = 0.0
    quick_trim: bool = False
    order: int = 1000

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise TypeError(f"experiment name {self.name!r}: lower-case words joined by '-'")
        if not (isinstance(self.options, type) and dataclasses.is_dataclass(self.options)):
            raise TypeError(f"{self.name}: options must be a dataclass type")
        if not callable(self.run):
            raise TypeError(f"{self.name}: run must be callable")
        unknown = set(self.scales) - set(SCALES)
        if unknown:
            raise TypeError(f"{self.name}: unknown scale(s) {sorted(unknown)}; allowed: "
                            f"{', '.join(SCALES)}")
        if not all(isinstance(r, Runs) for r in self.reproduce):
            raise TypeError(f"{self.name}: reproduce must be a tuple of Runs")
        if not (isinstance(self.task_minutes, (int, float)) and self.task_minutes >= 0):
            raise TypeError(f"{self.name}: task_minutes must be a number >= 0")

    def scale_options(self, scale: str):
        """The options at ``scale``: the dataclass defaults with the scale's overrides."""
        return dataclasses.replace(self.options(), **self.scales.get(scale, {}))

    def runs_at(self, runs: Runs, scale: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The (conditions, seeds) of ``runs`` that ``mgnet reproduce`` makes at ``scale``:
        all of them, except at ``quick``: the first seed only and, with ``quick_trim``,
        only :data:`QUICK_CONDITIONS`."""
        conditions, seeds = tuple(runs.conditions), tuple(runs.seeds)
        if scale == "quick":
            seeds = seeds[:1]
            if self.quick_trim:
                conditions = tuple(c for c in conditions if c in QUICK_CONDITIONS)
        return conditions, seeds


def network_run_fields(device: str, spikes: Mapping) -> dict:
    """``attrs`` and ``spikes`` of a network experiment's run data: the device of a
    compiled run (the runner records the runtime one itself) and the spike trains as
    ``{population: (times s float64, ids int64)}``."""
    attrs = ({"device": "cpp_standalone", "codegen_target": "cpp_standalone"}
             if device == "cpp_standalone" else {})
    return {"attrs": attrs,
            "spikes": {k: (np.asarray(t, float), np.asarray(i, np.int64))
                       for k, (t, i) in spikes.items()}}
