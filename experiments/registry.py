"""Names of the experiments that ``mgnet run`` knows, imported lazily.

An experiment module defines ``NAME``, ``DESCRIPTION``, an ``OPTIONS`` dataclass
(fields declared with :func:`mgnet.models.parameters.param`), ``SCALES`` (scale name ->
option overrides), and ``run(cfg, progress) -> mgnet.analysis.run_file.RunData``.
"""
from __future__ import annotations

import dataclasses
import importlib

from .config import ConfigError

__all__ = ["EXPERIMENTS", "get", "names"]

#: experiment name -> module path
EXPERIMENTS: dict[str, str] = {
    "synapse-check": "mgnet.experiments.synapse_check",
    "bouton-assay": "mgnet.experiments.bouton_assay",
    "mg-dose-response": "mgnet.experiments.mg_dose_response",
    "reconfiguration": "mgnet.experiments.reconfiguration",
    "plasticity-presets": "mgnet.experiments.plasticity_presets",
    "plasticity-induction": "mgnet.experiments.plasticity_induction",
    "culture-activity": "mgnet.experiments.culture_activity",
    "background-filtering": "mgnet.experiments.background_filtering",
    "memory-encoding": "mgnet.experiments.memory_encoding",
    "memory-capacity": "mgnet.experiments.memory_capacity",
    "memory-retention": "mgnet.experiments.memory_retention",
    "memory-planted": "mgnet.experiments.memory_planted",
}


def names() -> list[str]:
    """Registered experiment names."""
    return list(EXPERIMENTS)


class _Experiment:
    def __init__(self, module):
        self.module = module

    def __getattr__(self, item):
        return getattr(self.module, item)

    def scale_options(self, scale: str):
        overrides = self.module.SCALES.get(scale, {})
        return dataclasses.replace(self.module.OPTIONS(), **overrides)


def get(name: str) -> _Experiment:
    """The experiment module registered as ``name``.

    Raises
    ------
    ConfigError
        If the name is unknown (the message lists the known ones).
    """
    if name not in EXPERIMENTS:
        raise ConfigError(f"unknown experiment '{name}'; allowed: {', '.join(EXPERIMENTS)}")
    return _Experiment(importlib.import_module(EXPERIMENTS[name]))
