"""The run file of one memory run (run-file schema 1, the layout of the
:mod:`mgnet.experiments.memory_encoding` docstring): spikes, the E->E efficacy snapshots
and their phases, patterns, recall cues and controls, stimulation trains, the protocol
table and ``/metrics`` (:func:`mgnet.analysis.memory_report.run_metrics` on exactly these
arrays).

Shared by memory-encoding, memory-capacity and memory-retention.  Moved out of
:mod:`mgnet.experiments.memory_encoding` (issue 16), which still exports
:data:`PHASE_CODES` and :func:`run_data` (as ``_run_data``).
"""
from __future__ import annotations

import numpy as np

from .experiment import network_run_fields
from .memory_schedule import stream_seed

#: Phase codes of the weight snapshots (/snapshots/phase).
PHASE_CODES = {"spontaneous": 0, "encoding": 1, "consolidation": 2}


def run_data(cfg, mem, res, build_s):
    """RunData of the condition ``cfg`` from ``res``, the output of ``mem.run`` (a
    :class:`mgnet.experiments.memory_encoding._Memory` built in ``build_s`` seconds)."""
    from brian2 import mM

    from mgnet.analysis.memory_report import run_metrics
    from mgnet.analysis.run_file import RunData
    sch, st, opts = mem.schedule, mem.structure, cfg.options
    ee = st.pathways["ee"]
    from mgnet.models.culture import contact_values
    pr = contact_values(st, cfg.params, mem.culture)["ee"].pr
    snap_t = res["snap_t"]
    # A snapshot at a phase boundary belongs to the phase that ends there.
    phase = np.where(snap_t <= sch.t_spont + 1e-9, PHASE_CODES["spontaneous"],
                     np.where(snap_t <= sch.t_enc + 1e-9, PHASE_CODES["encoding"],
                              PHASE_CODES["consolidation"])).astype(np.int64)
    table = {"pre": ee.pre.astype(np.int64), "post": ee.post.astype(np.int64),
             "contact": ee.contact.astype(np.int64), "pr": np.asarray(pr, float),
             "q_down": res["q_down"]}
    units = {"/synapses/ee/q_down": "nS", "/snapshots/t": "s", "/snapshots/phase": "1",
             "/recall/source": "1", "/recall/cued": "1", "/recall/kind": "1",
             "/controls/unencoded_members": "1", "/stimulation/start": "s",
             "/stimulation/stop": "s", "/stimulation/pattern": "1",
             "/stimulation/presentation": "1"}
    for k in range(res["rho"].shape[1]):
        table[f"rho_s{k:03d}"] = res["rho"][:, k]
    n_exc = st.n_exc
    cued = np.zeros((len(sch.recall["t_cue"]), n_exc), dtype=bool)
    for k, s in enumerate(sch.recall["source"]):
        cued[k, sch.source_targets[s]] = True
    recall = {"kind": sch.recall["kind"], "pattern": sch.recall["pattern"],
              "cue_fraction": sch.recall["cue_fraction"], "t_cue": sch.recall["t_cue"],
              "source": sch.recall["source"], "cued": cued}
    protocol = {"spontaneous": {"t_start": 0.0, "t_stop": sch.t_spont, "plasticity": True},
                "encoding": {"t_start": sch.t_spont, "t_stop": sch.t_enc, "plasticity": True},
                "consolidation": {"t_start": sch.t_enc, "t_stop": sch.t_cons,
                                  "plasticity": True},
                "recall": {"t_start": sch.t_cons, "t_stop": sch.t_end, "plasticity": False}}
    data = RunData(**network_run_fields(mem.device, res["spikes"]),
                   synapses={"ee": table}, protocol=protocol, patterns=sch.members,
                   recall=recall,
                   arrays={"/snapshots/t": snap_t, "/snapshots/phase": phase,
                           "/controls/unencoded_members": np.asarray(sch.unencoded, bool)
                           .reshape(-1, n_exc),
                           # encoding trains as intervals (NWB/Neo export, issue 17)
                           **{f"/stimulation/{k}": v for k, v in sch.trains.items()}},
                   units=units, metrics={})
    b = float(mem.plasticity.b)
    metrics = run_metrics(data, b=b, recall_window=float(opts.recall_window),
                          reject_window=float(opts.reject_window))
    metrics.update({"plasticity_b": b, "mg_o_mM": float(cfg.params.magnesium.mg_o / mM),
                    "mg_i_mM": float(cfg.params.magnesium.mg_i / mM),
                    "n_exc": int(n_exc), "n_inh": int(st.n_inh),
                    "n_contacts_ee": int(ee.n_contacts), "build_s": float(build_s),
                    "run_s": float(res["run_s"]),
                    "recall_window_s": float(opts.recall_window),
                    "reject_window_s": float(opts.reject_window),
                    "stream_seed": int(stream_seed(cfg)),
                    "simulated_s": float(sch.t_end)})
    data.metrics = metrics
    return data
