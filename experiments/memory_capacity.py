"""memory-capacity: how many assemblies can the culture store and recall?

Prediction T10/T11 of science.md §3, metric "capacity: the largest P with median recall
overlap above a threshold" of §6; conditions §5.  Nothing here is tuned to the
hypothesis.

Design.  One run file = one condition on one structure seed, holding one simulation per
number of encoded assemblies P in ``p_values``.  The protocol and machinery are those
of memory-encoding (:mod:`mgnet.experiments.memory_encoding`, imported, not copied):
``n_patterns`` assemblies are drawn per seed (each ``assembly_fraction`` of the E cells,
independent random subsets, so two assemblies may share cells: at 10 % they share
≈ 10 % of their members by chance), and every encoding round has one presentation
*slot* per assembly, as in memory-encoding with P = ``n_patterns``.  The simulation
for P presents only the first P assemblies (the stimulus weight of the other slots is
0; their slots are spontaneous activity with plasticity on), so

* every encoded assembly gets the same presentations at the same times for every P;
  P changes only how many *other* assemblies are stored between them (interference),
  not the spacing of an assembly's own presentations;
* recall cues every one of the ``n_patterns`` assemblies: the assemblies that were not
  encoded are a control, the recall overlap of an unstored pattern in the same
  network state (chance level);
* one compiled ``cpp_standalone`` project per seed serves every condition and every
  P: the stimulus weights are a per-synapse variable set through ``run_args``.

Capacity (:func:`mgnet.analysis.memory_report.capacity_run_metrics`): the median recall
overlap of the encoded assemblies' cues at each P; the capacity is the largest P whose
median overlap exceeds :data:`mgnet.analysis.memory_report.CAPACITY_THRESHOLD` (0.1), taking
P in increasing order and stopping at the first failure (0: nothing recalled at the
smallest P; the largest P tested if none fails, a lower bound).

Saved (run-file schema 1, as memory-encoding's but one column set per P):
``/spikes/exc_p<P>`` and ``/spikes/inh_p<P>``; ``/synapses/ee`` with ``pre``, ``post``,
``contact``, ``pr``, ``q_down`` and ``rho_p<P>_sNNN`` (ρ snapshot NNN of the
simulation with P assemblies); ``/snapshots/t``, ``/snapshots/phase`` (same times in
every simulation); ``/patterns/members`` (all ``n_patterns`` assemblies);
``/recall/*`` (cues of every assembly, the same schedule in every simulation);
``/capacity/p_values``; ``/metrics`` with ``p<P>_<memory-encoding metric>`` for each P
and ``capacity``.

Cost: each simulation lasts ``spontaneous + presentations · n_patterns ·
presentation_interval + consolidation + recall`` (about 118 s at default scale, of which
84-96 s are the recall phase with its controls and 12-s cue spacing) whatever P is, so a
run costs ``len(p_values)`` of them (about 350 s simulated at default scale).

Run: ``mgnet run memory-capacity --condition elevated_mg --seed 0``
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from brian2 import nS, second

from mgnet.models.parameters import param

from . import memory_encoding as me
from .experiment import Experiment, Runs

NAME = "memory-capacity"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = me.PARAM_SECTIONS
DESCRIPTION = "recall vs number of stored assemblies P: capacity (T10, T11)"

#: ``/metrics`` keys of memory-encoding's run information kept in a capacity run.
RUN_INFO_KEYS = ("plasticity_b", "mg_o_mM", "mg_i_mM", "n_exc", "n_inh", "n_contacts_ee",
                 "build_s", "recall_window_s", "reject_window_s", "stream_seed",
                 "simulated_s")


@dataclass(frozen=True)
class OPTIONS(me.OPTIONS):
    """memory-encoding's options (:class:`mgnet.experiments.memory_encoding.OPTIONS`) with
    P varied: ``n_patterns`` assemblies and presentation slots, ``p_values`` encoded."""
    n_patterns: int = param(4, "this project: presentation slots per round = the "
                            "largest P", low=1, high=50,
                            doc="assemblies drawn per seed, one presentation slot each "
                                "per round; the simulation for P encodes the first P, "
                                "the others are unencoded controls at recall")
    p_values: tuple = param((1, 2, 4), "science.md §6: capacity = the largest P with "
                            "median recall overlap above a threshold; doubling steps",
                            low=1, high=50,
                            doc="numbers of encoded assemblies P, one simulation each "
                                "(increasing, at most n_patterns)")
    spontaneous: object = param(4 * second, "this project: one encoding round, after the "
                                "start-up transient", low=0 * second, high=3600 * second,
                                doc="spontaneous period before encoding (rounded up to "
                                    "whole encoding rounds)")
    consolidation: object = param(4 * second, "this project: recall shortly after "
                                  "encoding (one round); retention is memory-retention's",
                                  low=0 * second, high=36000 * second,
                                  doc="consolidation under spontaneous activity (rounded "
                                      "up to whole encoding rounds)")
    cue_fractions: tuple = param((0.5,), "this project: capacity at one cue fraction; the "
                                 "completion curve is memory-encoding's",
                                 doc="fractions of each assembly cued at recall")


SCALES = {"quick": {"n_neurons": 300, "n_patterns": 2, "p_values": (1, 2),
                    "presentations": 2, "spontaneous": 2 * second,
                    "consolidation": 2 * second, "recall_interval": 1 * second,
                    "device": "runtime"},
          "default": {},
          "paper": {"n_neurons": 2000, "n_patterns": 8, "p_values": (1, 2, 4, 8),
                    "recall_trials": 5, "consolidation": 8 * second}}


for _scale in ("default", "paper"):       # the frozen encoding protocol (calibrate-memory)
    SCALES[_scale] = {**SCALES[_scale], **me.frozen_protocol(OPTIONS, exclude=("consolidation",))}


resolve_params = me.resolve_params


def check_options(opts) -> None:
    """memory-encoding's checks plus: ``p_values`` increasing, within 1..n_patterns."""
    from .config import ConfigError
    me.check_options(opts)
    p = [int(v) for v in opts.p_values]
    if not p:
        raise ConfigError("options.p_values must list at least one number of patterns")
    if any(b <= a for a, b in zip(p, p[1:], strict=False)):
        raise ConfigError("options.p_values must be strictly increasing")
    if p[0] < 1 or p[-1] > opts.n_patterns:
        raise ConfigError(f"options.p_values must lie in 1 .. n_patterns "
                          f"({opts.n_patterns})")


class _CapacityMemory(me._Memory):
    """memory-encoding's network with one stimulus weight per synapse (run_args)."""
    STIM_WEIGHT_VARIABLE = True

    def stim_weights(self, n_encoded: int):
        """Stimulus weights that present the first ``n_encoded`` assemblies and every
        recall cue (encoding sources are the patterns 0..n_patterns-1, in order)."""
        on = (self.stim_src < n_encoded) | (self.stim_src >= self.opts.n_patterns)
        return np.where(on, float(self.opts.stim_weight / nS), 0.0) * nS


def run(cfg, progress=None):
    """All P of ``p_values`` at the configured condition; return one RunData."""
    (data,) = run_group([cfg], progress)
    return data


def run_group(cfgs, progress=None):
    """Several conditions on one structure seed: one build; per condition one
    simulation per P; yields one RunData per condition."""
    me.check_group(cfgs)
    cfg0 = cfgs[0]
    p_values = [int(v) for v in cfg0.options.p_values]
    t0 = time.time()
    mem = _CapacityMemory(cfg0, progress)
    build_s = time.time() - t0
    n = len(cfgs) * len(p_values)
    try:
        for k, cfg in enumerate(cfgs):
            subs = {}
            for j, P in enumerate(p_values):
                if progress:
                    progress(f"simulating {cfg.condition}, P = {P}",
                             (k * len(p_values) + j + 0.05) / n)
                res = mem.run(cfg.params, [(mem.stim_syn.w_stim, mem.stim_weights(P))])
                subs[P] = me._run_data(cfg, mem, res, build_s)
            yield merge_runs(subs, cfg)
    finally:
        mem.close()


def merge_runs(subs: dict, cfg):
    """One capacity RunData from the memory-encoding-shaped RunData of each P."""
    from mgnet.analysis.memory_report import capacity_run_metrics
    from mgnet.analysis.run_file import RunData
    p_values = sorted(subs)
    base = subs[p_values[0]]
    ee0 = base.synapses["ee"]
    table = {k: v for k, v in ee0.items() if not k.startswith("rho_s")}
    spikes = {}
    run_s = 0.0
    for P in p_values:
        d = subs[P]
        if not (np.array_equal(d.arrays["/snapshots/t"], base.arrays["/snapshots/t"])
                and np.array_equal(d.synapses["ee"]["q_down"], ee0["q_down"])):
            raise RuntimeError("memory-capacity: simulations of one run differ in "
                               "snapshot times or quantal sizes")
        for col, v in d.synapses["ee"].items():
            if col.startswith("rho_s"):
                table[f"rho_p{P}_{col[4:]}"] = v
        spikes[f"exc_p{P}"] = d.spikes["exc"]
        spikes[f"inh_p{P}"] = d.spikes["inh"]
        run_s += float(d.metrics["run_s"])
    units = dict(base.units)
    units["/capacity/p_values"] = "1"
    arrays = dict(base.arrays)
    arrays["/capacity/p_values"] = np.asarray(p_values, np.int64)
    data = RunData(attrs=dict(base.attrs), spikes=spikes, synapses={"ee": table},
                   protocol=base.protocol, patterns=base.patterns, recall=base.recall,
                   arrays=arrays, units=units)
    info = {k: base.metrics[k] for k in RUN_INFO_KEYS}
    info["run_s"] = run_s
    info["simulated_total_s"] = float(base.metrics["simulated_s"]) * len(p_values)
    data.metrics = dict(info)      # capacity_run_metrics reads n_exc, n_inh
    data.metrics = dict(capacity_run_metrics(data, b=float(info["plasticity_b"]),
                                             recall_window=float(info["recall_window_s"]),
                                             reject_window=float(info["reject_window_s"])),
                        **info)
    return data


EXPERIMENT = Experiment(
    name=NAME, order=100, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    resolve_params=resolve_params, run_group=run_group,
    # science.md §6 (largest P with median recall overlap > 0.1): P = 1, 2, 4 in one run
    # file per condition and seed (one build per seed).
    reproduce=(Runs(("baseline", "elevated_mg"), (0, 1)),),
    task_minutes=3.8, quick_trim=True)   # per seed (2026-11-27)
