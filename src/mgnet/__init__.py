"""mgnet: Brian2 models of Mg2+-dependent synapses, synaptic configuration and memory
encoding in hippocampal-like cultured networks.

One import package (design.md §1, issue 16).  Its subpackages are the repository's
top-level folders, mapped by ``[tool.setuptools.package-dir]`` in ``pyproject.toml``:

- :mod:`mgnet.models` (``models/``): physics only -- parameters, equations, networks;
- :mod:`mgnet.experiments` (``experiments/``): protocols, configs, sweeps, the ``mgnet``
  command line (also ``python -m mgnet``);
- :mod:`mgnet.analysis` (``analysis/``): run files, metrics, statistics, figures, report;
  never imports brian2.

This file (``src/mgnet/__init__.py``) imports nothing heavy: ``import mgnet`` needs the
standard library only, and the names below load their module on first use.

>>> import mgnet
>>> runs = mgnet.load_metrics("results")        # pandas: one row per run file
>>> block = mgnet.analysis.to_neo(run_file)     # neo.Block of one run file
"""
from __future__ import annotations

import importlib
import logging

# Brian2 logs "Cache size for target 'cython': N MB ..." at INFO on the console while it is
# being imported, whenever its compiled-code cache (~/.cython/brian_extensions, shared by
# every checkout on a machine) has grown past 1 GB: an extra stderr line that the command
# line's one-line error contract (design.md §3) and its tests do not allow.  Every mgnet
# module imports this file before brian2, so the message is dropped here (a filter on
# the logger that emits it: nothing else that brian2 logs is affected).


class _NoCacheSizeNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Cache size for target")


# brian2's own module logs as "brian2.brian2" (2.9; "brian2" in case that changes); a
# logger's filters see the records created on that logger only.
for _name in ("brian2", "brian2.brian2"):
    logging.getLogger(_name).addFilter(_NoCacheSizeNotice())
del _name

__all__ = ["__version__", "load_metrics", "models", "experiments", "analysis"]

#: Subpackages imported on first attribute access (``mgnet.analysis.to_neo`` works after
#: a plain ``import mgnet``).
_SUBPACKAGES = ("models", "experiments", "analysis")
#: Public names re-exported from a submodule, loaded lazily: name -> module.
_LAZY = {"load_metrics": "mgnet.analysis.interop"}


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "__version__":
        from importlib import metadata
        try:
            return metadata.version("mgnet")
        except metadata.PackageNotFoundError:
            return "unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
