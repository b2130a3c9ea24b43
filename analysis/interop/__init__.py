"""Run files in the field's tools: Neo/Elephant spike trains, NWB files, pandas tables.

Issue 17 ("results the field's tools can read"): a run file (``docs/run-files.md``) opens
in the usual analysis stack without a hand-written loader.

- :func:`to_neo` -- a ``neo.Block`` with one ``neo.SpikeTrain`` per neuron and population
  (seconds, ``t_start``/``t_stop`` from the run's protocol) and the protocol phases, recall
  cues and network bursts as ``neo.Epoch`` objects, ready for Elephant.
- :func:`export_nwb` -- an NWB 2 file (pynwb): spikes as units, phases as epochs, cues and
  bursts as ``TimeIntervals``, assembly membership as a unit column, the run's metrics as
  a table, provenance in the file's metadata (``mgnet export-nwb RUN.h5``).
- :func:`load_metrics` -- one pandas row per complete run file with every scalar metric,
  and :func:`spikes_frame` -- one row per spike.

At import this module needs numpy and h5py only (like the rest of ``analysis/``, it never
imports brian2); neo, pynwb and pandas are imported inside the functions that use them and
a missing one raises :class:`MissingDependencyError` with one line naming the package and
the install command (``pip install 'mgnet[analysis]'``).

Times are seconds everywhere here, as in :class:`~mgnet.analysis.run_file.RunData`; schema-2 run
files store spike times in ms and :func:`~mgnet.analysis.run_file.read_run` converts them.
"""

from __future__ import annotations

from .base import MissingDependencyError

# Not in __all__, but importable from here before the split: kept importable.
from .contents import (
                       _seconds,  # noqa: F401
                       config_tables,
                       interval_tables,
                       population_sizes,
                       spike_time_resolution,
)
from .neo_export import to_neo
from .nwb_export import default_nwb_path, export_nwb
from .tables import RUN_COLUMNS, changed_parameters, config_hash, load_metrics, spikes_frame

__all__ = [
    "MissingDependencyError",
    "RUN_COLUMNS",
    "to_neo",
    "export_nwb",
    "default_nwb_path",
    "load_metrics",
    "spikes_frame",
    "population_sizes",
    "spike_time_resolution",
    "interval_tables",
    "config_tables",
    "config_hash",
    "changed_parameters",
]
