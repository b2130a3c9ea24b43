"""HDF5 run files, schema version 2: write, read, validate and summarise.

One simulation run produces one HDF5 file (``results/runs/<experiment>/<run_id>.h5``)
holding everything needed to redraw every figure from raw data: provenance as root
attributes, spikes in the SONATA layout, bouton and branch assays, synapse tables,
protocol phases, stored patterns, recall trials and scalar metrics. The complete
schema is one declarative table, :mod:`.schema`, from which the writer (:mod:`.write`),
the reader and validator (:mod:`.read`, :mod:`.validate`), the summary (:mod:`.summary`)
and the schema tables of ``docs/run-files.md`` (:mod:`.docs`) all work; this package is
the only writer of run files.

This package uses plain numpy and h5py and never imports brian2, so run files can be
read and figures redrawn on a machine without a compiler. Quantities are stored as
plain numbers in fixed units (seconds, mM, nS, ...) and every dataset carries a
``units`` attribute.

Spikes follow the SONATA spike-file specification so that SONATA tools (libsonata's
``SpikeReader``, bmtk, ...) read them directly: ``/spikes/<population>/timestamps`` in
**milliseconds** (``units = "ms"``), ``node_ids`` uint64, the population attribute
``sorting`` as the SONATA HDF5 enum (none / by_id / by_time), and no compression filter
on spike datasets (the PyPI libsonata wheel has no deflate filter).  In memory
(:class:`RunData`) spike times stay in **seconds**, like every other time in the
analysis; the writer converts to ms and :func:`read_run` back to s.  Schema-1 files
(timestamps in s, ``sorting`` a string) are still read, with the same in-memory result.

Rules the writer enforces:

- A file is written under a temporary name in the target directory and only
  renamed to its final name once complete (root attribute ``status`` =
  ``"complete"``); an existing run file is never overwritten.
- The content is validated before anything touches the disk, with the same checks
  :func:`validate_run` applies to files, so a file that was written always reads.
"""

from __future__ import annotations

from .data import RunData, RunFileError
from .read import list_runs, read_run, validate_run
from .schema import (
    BOUTON_COLUMNS,
    BRANCH_COLUMNS,
    PATTERNS_UNITS,
    PROTOCOL_TIME_UNITS,
    READABLE_SCHEMA_VERSIONS,
    RECALL_COLUMNS,
    REQUIRED_ROOT_ATTRS,
    RESERVED_GROUPS,
    SCHEMA_VERSION,
    SONATA_SORTING,
    SORTING_DTYPE,
    SPIKE_COLUMNS,
    SPIKE_FILE_UNITS,
    SYNAPSE_COLUMNS,
    SYNAPSE_PREFIX_UNITS,
)
from .summary import summarize, summary
from .write import write_run

__all__ = [
    "SCHEMA_VERSION",
    "READABLE_SCHEMA_VERSIONS",
    "SPIKE_FILE_UNITS",
    "SONATA_SORTING",
    "SORTING_DTYPE",
    "REQUIRED_ROOT_ATTRS",
    "RESERVED_GROUPS",
    "SPIKE_COLUMNS",
    "BOUTON_COLUMNS",
    "BRANCH_COLUMNS",
    "SYNAPSE_COLUMNS",
    "SYNAPSE_PREFIX_UNITS",
    "RECALL_COLUMNS",
    "PATTERNS_UNITS",
    "PROTOCOL_TIME_UNITS",
    "RunFileError",
    "RunData",
    "write_run",
    "read_run",
    "validate_run",
    "summarize",
    "summary",
    "list_runs",
]
