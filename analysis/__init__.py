"""mgnet.analysis: everything after the simulation (run files, metrics, statistics,
figures, the report).  Never imports brian2.

The field's tools (:mod:`mgnet.analysis.interop`, issue 17) are also reachable here:
``mgnet.analysis.load_metrics``, ``spikes_frame``, ``to_neo`` and ``export_nwb`` (loaded on
first use, so importing a submodule of this package stays as light as before).
"""
from __future__ import annotations

import importlib

__all__ = ["load_metrics", "spikes_frame", "to_neo", "export_nwb"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module(f"{__name__}.interop"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
