"""The run-file schema as one declarative table (schema version 2; version 1 read).

Everything the writer, the reader, the validator, the summary and the generated tables
of ``docs/run-files.md`` know about the layout of a run file comes from the tables in
this module:

- :data:`ROOT_ATTRIBUTES` -- the required root attributes, their types and checks;
- :data:`GROUPS` -- the reserved top-level groups, each with its *layout* (how its
  content maps to a :class:`~mgnet.analysis.run_file.RunData` field) and its standard
  :class:`Column` s (unit in memory, unit on disk by schema version, value check);
- :data:`EXPERIMENT_SECTIONS` -- datasets particular experiments add (documented; their
  writers give the unit in ``RunData.units``).

Adding a :class:`Column` to a group of :data:`GROUPS` is all it takes for the writer to
accept the dataset without an explicit unit (and refuse a different one), for the
validator to apply its ``check`` and for the reader to return it with its unit
(``tests/test_run_file.py::test_a_column_added_to_the_table_is_written_validated_and_read``).
The readers and writers look the table up when they run, never a copy of it.

Plain Python, numpy and h5py; never brian2.
"""

from __future__ import annotations

from dataclasses import dataclass

import h5py
import numpy as np

#: Version written by this code.  2: SONATA-conform spikes (timestamps in ms, ``sorting``
#: an HDF5 enum, spike datasets uncompressed); everything else as in version 1.
SCHEMA_VERSION = 2
#: Versions :func:`read_run` accepts.  Both read into the same in-memory RunData.
READABLE_SCHEMA_VERSIONS = (1, 2)

#: SONATA's population attribute ``sorting``: name -> enum value.
SONATA_SORTING = {"none": 0, "by_id": 1, "by_time": 2}
#: Its HDF5 enum type.  The base type is a signed 8-bit integer, the C ``char`` that
#: libsonata's ``SpikeReader::Population::Sorting`` is declared with.
SORTING_DTYPE = h5py.enum_dtype(SONATA_SORTING, basetype=np.int8)

# Stored time units per second.  Multiplying by 1000 and dividing by 1000 (both exact
# powers of ten, correctly rounded) gives the nearest ms value on disk and returns the
# original seconds to within 1 ulp; no float64 mapping can round-trip every value exactly.
PER_SECOND = {"s": 1.0, "ms": 1000.0}

#: Value checks a column can carry, in the order the validator applies them.
CHECKS = {
    "index": "integer ≥ 0",
    "probability": "in [0, 1]",
    "probability_or_nan": "in [0, 1], NaN allowed",
    "count": "whole number ≥ 0",
}


@dataclass(frozen=True)
class Attribute:
    """A required root attribute."""

    name: str
    type: str  #: "str", "int" or "bool"
    meaning: str
    #: Set by the writer: callers cannot claim a file is complete or of another version.
    writer_sets: bool = False
    #: Extra check: "readable_version", "positive", "nonempty" or "iso_time".
    check: str | None = None


@dataclass(frozen=True)
class Column:
    """A standard dataset of a group, with the unit its array has in memory."""

    name: str
    unit: str
    meaning: str
    #: One of :data:`CHECKS`, or None.
    check: str | None = None
    #: Must be present whenever its table is (``/synapses/<pathway>/pre``).
    required: bool = False
    #: ``name`` is a prefix: every column ``<name><suffix>`` has this unit.
    prefix: bool = False
    #: Unit on disk by schema version where it differs from ``unit`` (spike timestamps).
    stored: tuple[tuple[int, str], ...] = ()
    #: Data type as documented.
    dtype: str = ""

    def stored_unit(self, version: int) -> str:
        """The unit of this column in a file of schema ``version``."""
        return dict(self.stored).get(version, self.unit)

    def matches(self, name: str) -> bool:
        if self.prefix:
            return name.startswith(self.name) and len(name) > len(self.name)
        return name == self.name


#: How a group's content maps to its RunData field.
LAYOUTS = {
    "populations": "one subgroup per population, each with the group's columns",
    "table": "columns of equal length, 1-D, one row per item",
    "pathways": "one subgroup per pathway, each a table",
    "phases": "one subgroup per phase, attributes only",
    "single": "one fixed dataset",
    "trials": "datasets with equal first-axis length (trials)",
    "attributes": "scalar attributes of the group",
}


@dataclass(frozen=True)
class Group:
    """A reserved top-level group."""

    name: str
    field: str  #: RunData attribute
    layout: str  #: a key of LAYOUTS
    columns: tuple[Column, ...] = ()
    #: Created in every file (a missing optional group reads as None).
    always: bool = False
    #: Datasets other than ``columns`` are allowed (with an explicit unit).
    open: bool = True
    #: Short description for the docs heading.
    rows: str = ""

    @property
    def path(self) -> str:
        return f"/{self.name}"

    def column(self, name: str) -> Column | None:
        """The standard column ``name`` is an instance of, or None."""
        for col in self.columns:
            if col.matches(name):
                return col
        return None

    def column_path(self, path: str) -> Column | None:
        """The standard column a dataset path of this group is, or None."""
        parts = path.strip("/").split("/")
        depth = 3 if self.layout in ("populations", "pathways") else 2
        if parts[0] != self.name or len(parts) != depth:
            return None
        return self.column(parts[-1])


ROOT_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("schema_version", "int", "`2`; set by the writer (`1` in older files)",
              writer_sets=True, check="readable_version"),
    Attribute("experiment", "str", "experiment name (non-empty), e.g. `fig2_configuration`",
              check="nonempty"),
    Attribute("condition", "str", "condition / preset name"),
    Attribute("seed", "int", "random seed of the run"),
    Attribute("run_id", "str", "unique run identifier (non-empty); conventionally the file "
              "stem", check="nonempty"),
    Attribute("created_utc", "str", "ISO 8601 time, e.g. `2024-05-01T12:00:00+00:00`",
              check="iso_time"),
    Attribute("mgnet_version", "str", "package version"),
    Attribute("git_commit", "str", "commit hash of the code (or `unknown`)"),
    Attribute("git_dirty", "bool", "working tree had uncommitted changes"),
    Attribute("brian2_version", "str", ""),
    Attribute("numpy_version", "str", ""),
    Attribute("python_version", "str", ""),
    Attribute("device", "str", "Brian2 device, e.g. `runtime`, `cpp_standalone`"),
    Attribute("codegen_target", "str", "e.g. `numpy`, `cython`, `cpp`"),
    Attribute("threads", "int", "≥ 1", check="positive"),
    Attribute("config_toml", "str", "the fully resolved configuration, as TOML text"),
    Attribute("status", "str", "`complete` in a finished file; set by the writer "
              "(`running` while writing)", writer_sets=True),
)

_SPIKES = (
    Column("timestamps", "s", "spike times, finite and ≥ 0 (ms on disk, s in memory)",
           stored=((1, "s"), (2, "ms")), dtype="float64"),
    Column("node_ids", "1", "index of the spiking node in its population", dtype="uint64"),
)

_BOUTONS = (
    Column("branch_id", "1", "branch the bouton sits on (matches `/branches/branch_id`)"),
    Column("pr_true", "1", "model release probability", check="probability"),
    Column("mg_i", "mM", "intracellular Mg²⁺"),
    Column("n_release_1ap", "count", "releases out of 30 single-AP trials", check="count"),
    Column("n_release_burst", "count", "releases out of 30 burst trials", check="count"),
    Column("pr_1ap", "1", "measured Pr from single APs", check="probability"),
    Column("pr_burst", "1", "measured Pr from bursts", check="probability"),
    Column("q", "nS", "quantal size"),
    Column("wca", "a.u.", "Ca²⁺ signal weight, single AP"),
    Column("wca_burst", "a.u.", "Ca²⁺ signal weight, burst"),
)

_BRANCHES = (
    Column("branch_id", "1", "branch index"),
    Column("length_um", "um", "branch length"),
    Column("mg_i", "mM", "intracellular Mg²⁺"),
    Column("D", "1/(10 um)", "bouton density"),
    Column("mean_pr", "1", "mean Pr of the branch's boutons (NaN for a branch without functional boutons)",
           check="probability_or_nan"),
    Column("sum_pr", "1/(10 um)", "ΣPr per 10 µm, single AP"),
    Column("sum_pr_burst", "1/(10 um)", "ΣPr per 10 µm, burst"),
    Column("stf", "1", "short-term facilitation ratio"),
    Column("capacity_bits", "bit/(10 um)", "information capacity"),
)

_SYNAPSES = (
    Column("pre", "1", "presynaptic neuron index", check="index", required=True),
    Column("post", "1", "postsynaptic neuron index", check="index", required=True),
    Column("contact", "1", "contact index within the connection", check="index"),
    Column("pr", "1", "release probability", check="probability"),
    Column("weight_", "nS", "weight snapshot at the end of `<phase>`", prefix=True),
    Column("rho_", "1", "plasticity state snapshot at the end of `<phase>`", prefix=True),
)

# A few recall columns are common enough to have fixed units; any other /recall
# dataset needs its unit in RunData.units.
_RECALL = (
    Column("pattern", "1", "cued pattern"),
    Column("cue_fraction", "1", "fraction of the pattern cued"),
    Column("overlap", "1", "overlap of the response with the pattern"),
    Column("success", "1", "recall succeeded"),
    Column("t_cue", "s", "cue time"),
)

#: The reserved top-level groups, in writing order.
GROUPS: tuple[Group, ...] = (
    Group("spikes", "spikes", "populations", _SPIKES, always=True, open=False,
          rows="SONATA layout: one subgroup per population"),
    Group("boutons", "boutons", "table", _BOUTONS, rows="one row per bouton"),
    Group("branches", "branches", "table", _BRANCHES, rows="one row per branch"),
    Group("synapses", "synapses", "pathways", _SYNAPSES, always=True,
          rows="one row per synapse"),
    Group("protocol", "protocol", "phases", always=True, open=False,
          rows="one subgroup per phase"),
    Group("patterns", "patterns", "single",
          (Column("members", "1", "pattern × neuron membership", dtype="bool, 2-D"),),
          open=False, rows="stored patterns"),
    Group("recall", "recall", "trials", _RECALL, rows="first axis = trial"),
    Group("metrics", "metrics", "attributes", always=True, open=False,
          rows="scalar attributes"),
)

#: Attributes of a ``/protocol/<phase>`` group (besides ``units``).
PROTOCOL_KEYS = ("t_start", "t_stop", "plasticity")
#: Unit of ``t_start`` / ``t_stop``, stored as the phase group's ``units`` attribute.
PROTOCOL_TIME_UNITS = "s"


@dataclass(frozen=True)
class Section:
    """Datasets one experiment (or a family) adds to a run file, with their units."""

    title: str
    writer: str  #: the module that writes them (and gives their units)
    datasets: tuple[tuple[str, str, str], ...]  #: (path, unit, meaning)


#: Datasets particular experiments write outside the standard columns.  Their writers give
#: each unit in ``RunData.units``; the table documents them (docs/run-files.md is generated
#: from it, and tests check the writers' unit tables against it).
EXPERIMENT_SECTIONS: tuple[Section, ...] = (
    Section("bouton assays", "experiments/bouton_assay.py (EXTRA_UNITS)", (
        ("/boutons/wca_charge", "a.u.", "integrated spine Ca²⁺ charge, single AP (the old `wca`)"),
        ("/boutons/wca_burst_charge", "a.u.", "integrated spine Ca²⁺ charge, burst"),
        ("/boutons/wca_nmda", "a.u.", "NMDA part of `wca` (concentration)"),
        ("/boutons/wca_burst_nmda", "a.u.", "NMDA part of `wca_burst`"),
        ("/boutons/wca_2b", "a.u.", "GluN2B part of `wca`"),
        ("/boutons/wca_burst_2b", "a.u.", "GluN2B part of `wca_burst`"),
        ("/boutons/wca_blocked", "a.u.", "`wca` of the same assay under a virtual GluN2B block"),
        ("/boutons/wca_burst_blocked", "a.u.", "`wca_burst` under the virtual block"),
        ("/boutons/n_release_1ap_blocked", "count",
         "1AP releases of the blocked run (same seed: equal to `n_release_1ap`)"),
        ("/boutons/q_nmda", "nS", "NMDA conductance per vesicle"),
        ("/boutons/n_rrp", "count", "readily releasable pool (docking slots)"),
        ("/boutons/spine_volume", "1", "spine volume relative to a median spine"),
        ("/boutons/active", "1", "model state: active (can release)"),
        ("/boutons/competence", "1", "model state: release competence"),
        ("/branches/setpoint", "1/(10 um)", "the branch's ΣPr set-point"),
        ("/branches/G", "nS/(10 um)", "summed quantal conductance per 10 µm, single AP"),
        ("/branches/G_burst", "nS/(10 um)", "summed quantal conductance per 10 µm, burst"),
        ("/branches/n_anatomical", "count", "anatomical boutons"),
        ("/branches/exhausted", "1",
         "every bouton active and ΣPr below the set-point (homeostasis failed)"),
        ("/branches/setpoint_ratio", "1", "true ΣPr of the active boutons / set-point"),
        ("/branches/sum_pr_true_model", "1/(10 um)", "true ΣPr of the active boutons"),
    )),
    Section("mg-dose-response", "experiments/mg_dose_response.py", (
        ("/boutons/mg_i_measured", "mM", "imaged [Mg]i"),
        ("/boutons/mg_level", "mM", "group [Mg]i"),
        ("/boutons/mg_group", "1", "group index"),
        ("/branches/mg_level", "mM", "group [Mg]i"),
        ("/branches/mg_group", "1", "group index"),
    )),
    Section("memory-encoding, memory-retention", "experiments/memory_encoding.py", (
        ("/synapses/ee/q_down", "nS", "DOWN-state quantal size; weight = q_down (1 + (b − 1) ρ) "
         "with b = `/metrics` `plasticity_b`"),
        ("/snapshots/t", "s", "times of the E→E efficacy snapshots `/synapses/ee/rho_sNNN`"),
        ("/snapshots/phase", "1", "phase of each snapshot: 0 spontaneous, 1 encoding, "
         "2 consolidation"),
        ("/recall/source", "1", "stimulus index of each recall cue"),
        ("/recall/cued", "1", "cue × excitatory neuron, boolean"),
        ("/recall/kind", "1", "kind of cue: 0 stored, 1 sham, 2 unencoded"),
        ("/controls/unencoded_members", "1", "the unencoded control assemblies (assembly × neuron, boolean)"),
        ("/stimulation/start", "s", "first pulse of each encoding train"),
        ("/stimulation/stop", "s", "last pulse + one pulse period"),
        ("/stimulation/pattern", "1", "pattern of each encoding train"),
        ("/stimulation/presentation", "1", "presentation index of each encoding train"),
    )),
    Section("memory-capacity", "experiments/memory_capacity.py", (
        ("/capacity/p_values", "1", "the numbers P of encoded assemblies, one simulation each"),
    )),
)


def group(name: str) -> Group | None:
    """The reserved group ``name`` of :data:`GROUPS`, or None."""
    for g in GROUPS:
        if g.name == name:
            return g
    return None


def reserved_groups() -> tuple[str, ...]:
    """Names of the reserved top-level groups, in writing order."""
    return tuple(g.name for g in GROUPS)


def required_root_attrs() -> tuple[str, ...]:
    return tuple(a.name for a in ROOT_ATTRIBUTES)


def fixed_unit(path: str) -> str | None:
    """The in-memory unit the schema fixes for a dataset path, or None if it fixes none."""
    g = group(path.strip("/").split("/")[0])
    col = g.column_path(path) if g is not None else None
    return col.unit if col is not None else None


def _units(columns: tuple[Column, ...], *, prefix: bool = False) -> dict[str, str]:
    return {c.name: c.unit for c in columns if c.prefix == prefix}


# Name -> unit views of the table, for code that reads them (computed once at import; the
# run-file code itself always consults GROUPS).
REQUIRED_ROOT_ATTRS = required_root_attrs()
RESERVED_GROUPS = reserved_groups()
#: Units of the spike arrays in memory (RunData.spikes, RunData.units).
SPIKE_COLUMNS = _units(_SPIKES)
#: Units of the spike datasets on disk, by schema version.
SPIKE_FILE_UNITS = {v: {c.name: c.stored_unit(v) for c in _SPIKES}
                    for v in READABLE_SCHEMA_VERSIONS}
BOUTON_COLUMNS = _units(_BOUTONS)
BRANCH_COLUMNS = _units(_BRANCHES)
SYNAPSE_COLUMNS = _units(_SYNAPSES)
#: Snapshot columns are named <prefix><phase>, e.g. weight_train, rho_test.
SYNAPSE_PREFIX_UNITS = _units(_SYNAPSES, prefix=True)
RECALL_COLUMNS = _units(_RECALL)
PATTERNS_UNITS = "1"
