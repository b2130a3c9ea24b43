"""memory-retention: how long do encoded assemblies (and any weight trace) survive
consolidation under spontaneous network bursts?

Prediction T10/T11 of science.md §3, metric "forgetting curve and lifetime (until
SNR < 1)" of §6; conditions §5.  Nothing here is tuned to the hypothesis.

Design (the cheaper of the two honest designs): **one long consolidation per run**,
with the E->E efficacy ρ of every contact snapshot once per encoding round, instead of
one run per consolidation length.  The protocol, the assemblies, the stimulation and
the machinery are those of memory-encoding (:mod:`mgnet.experiments.memory_encoding`, imported,
not copied; for a seed the assemblies and the stimulation up to the end of encoding are
the same), only the consolidation is longer and recall uses the single cue fraction 0.5:

1. spontaneous period, 2. encoding of ``n_patterns`` assemblies, 3. consolidation for
``consolidation`` (default 60 s, twice memory-encoding's), with a snapshot every
round (3 s), 4. cued recall with plasticity off at the end.

What it measures (``analysis/memory_report.py``, :func:`retention_metrics`):

* the forgetting curve SNR(t) of the assemblies, t from the end of encoding, and its
  lifetime until SNR < 1 (science.md §6) and until SNR < 0.5 (the report's encoding
  criterion; a fully potentiated assembly of the bistable rule reaches SNR ≈ 1), plus
  an exponential fit;
* the retention of the whole weight configuration left by encoding, whether or not it
  is assembly-specific: Cohen's κ between the UP/DOWN state of every contact at the
  end of encoding and at time t (1 = unchanged, 0 = chance), and its lifetime
  (κ < 1/e) — the time scale on which spontaneous bursts overwrite *any* trace;
* recall overlap after the whole consolidation.

Recall is measured once, at the end: recall at several consolidation lengths would
need one run per length (set ``options.consolidation``).  memory-encoding's runs
give the same seed's recall after 30 s.

Run: ``mgnet run memory-retention --condition elevated_mg --seed 0``
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import second

from mgnet.models.parameters import param

from . import memory_encoding as me
from .experiment import Experiment, Runs

NAME = "memory-retention"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = me.PARAM_SECTIONS
DESCRIPTION = "forgetting curve of encoded assemblies over a long consolidation (T10, T11)"


@dataclass(frozen=True)
class OPTIONS(me.OPTIONS):
    """memory-encoding's options (:class:`mgnet.experiments.memory_encoding.OPTIONS`) with a
    long consolidation and a single recall cue fraction."""
    consolidation: object = param(60 * second, "this project: twice memory-encoding's "
                                  "30 s, in which 31 % of the contacts switched state "
                                  "(docs/memory.md); at 5 bursts/min about 5 bursts",
                                  low=0 * second, high=36000 * second,
                                  doc="consolidation under spontaneous activity (rounded "
                                      "up to whole encoding rounds); one snapshot per "
                                      "round gives the forgetting curve")
    cue_fractions: tuple = param((0.5,), "this project: the completion curve is "
                                 "memory-encoding's; one fraction keeps recall short",
                                 doc="fractions of each assembly cued at recall")


SCALES = {"quick": {"n_neurons": 300, "n_patterns": 2, "presentations": 2,
                    "spontaneous": 2 * second, "consolidation": 10 * second,
                    "recall_interval": 1 * second, "device": "runtime"},
          "default": {},
          # 240 s = twice memory-encoding's paper consolidation; one snapshot per 3 s
          # round gives 88 snapshots of ~7.6e5 contacts (~0.3 GB per run file)
          "paper": {"n_neurons": 2000, "recall_trials": 5, "consolidation": 240 * second}}


for _scale in ("default", "paper"):       # the frozen encoding protocol (calibrate-memory)
    SCALES[_scale] = {**SCALES[_scale], **me.frozen_protocol(OPTIONS, exclude=("consolidation",))}

check_options = me.check_options
resolve_params = me.resolve_params


def run(cfg, progress=None):
    """Encode, consolidate for ``consolidation`` and recall; return RunData."""
    (data,) = run_group([cfg], progress)
    return data


def run_group(cfgs, progress=None):
    """Several conditions on one structure seed: one build, one run each (see
    :func:`mgnet.experiments.memory_encoding.run_group`); adds the retention metrics."""
    from mgnet.analysis.memory_report import retention_metrics
    for data in me.run_group(cfgs, progress):
        data.metrics.update(retention_metrics(data))
        yield data


EXPERIMENT = Experiment(
    name=NAME, order=110, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    resolve_params=resolve_params, run_group=run_group,
    # the forgetting curve over one 60 s consolidation per run
    reproduce=(Runs(("baseline", "elevated_mg"), (0, 1)),),
    task_minutes=2.3, quick_trim=True)   # per seed (2026-11-27)
