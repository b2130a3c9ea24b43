"""Memory encoding, capacity and retention (T10, T11; science.md §3, §6): per-run metrics,
report sections and figures.

Sections: "Memory encoding" (``memory-encoding``, :func:`memory_section`), "Memory
capacity" (``memory-capacity``, P varied, :func:`capacity_section`) and "Memory
retention" (``memory-retention``, long consolidation, :func:`retention_section`).

Every number comes from the arrays saved in the ``memory-encoding`` run files
(experiments/memory_encoding.py): E->E efficacy snapshots ``/synapses/ee/rho_sNNN`` with
``q_down`` and the rule's ``b`` (weight w = q_down (1 + (b − 1) ρ), Graupner & Brunel
2012), ``/patterns/members``, ``/recall/*`` and ``/spikes/exc``.  :func:`run_metrics` is
called by the experiment to fill ``/metrics`` and again by the report on the loaded
file, so the report never trusts a stored number it could not recompute.

Comparisons are paired on the seed (same connectivity, patterns, schedule and random
stream): paired bootstrap 95 % CIs of the difference and Cohen's d_z
(:func:`mgnet.analysis.statistics.paired_bootstrap`).

Modules (issue 16: one topic each; every name is importable from here as before):

- :mod:`.cache`: per-run metrics computed once per report (keyed by the run's content);
- :mod:`.runs`: loading and grouping the run files (default stream, chronic arm, order);
- :mod:`.recall`: the recall read-out of one run (Q, overlap m, rejected cues);
- :mod:`.encoding_metrics`: the per-run metrics of a memory-encoding run;
- :mod:`.tables`: paired comparisons (bootstrap, Holm) and the tables' cell formats;
- :mod:`.control`: the frozen protocol's positive control, the "encoded" convention;
- :mod:`.encoding`: the main comparison, section "Memory encoding" and its figures;
- :mod:`.capacity`, :mod:`.retention`: memory-capacity and memory-retention;
- :mod:`.planted`: the planted-assembly control of the read-out (memory-planted);
- :mod:`.noise_floor`: stream variants compared as if they were two conditions.

This package never imports brian2.
"""
from __future__ import annotations

from ..run_file import RunData  # noqa: F401
from .cache import _METRICS_CACHE, _METRICS_CACHE_MAX, _fingerprint, _once_per_run  # noqa: F401
from .capacity import (  # noqa: F401
                   CAPACITY_EXPERIMENT,
                   CAPACITY_KEYS,
                   CAPACITY_THRESHOLD,
                   _nanmedian,
                   _trial_overlaps,
                   capacity_figures,
                   capacity_p_values,
                   capacity_recomputed,
                   capacity_run_metrics,
                   capacity_section,
                   capacity_subrun,
)
from .control import (  # noqa: F401
                   ENCODED_OVERLAP,
                   ENCODED_SNR,
                   PROTOCOL_FILE,
                   _control_caption,
                   _control_sentence,
                   _encoded,
                   positive_control,
)
from .encoding import (  # noqa: F401
                   KEY_METRICS,
                   _arm_sentence,
                   _metrics_by_condition,
                   memory_figures,
                   memory_section,
)
from .encoding_metrics import (  # noqa: F401
                   N_PSEUDO,
                   SNR_CRITERION,
                   _burst_rate,
                   _in_out_means,
                   _snr_all,
                   recomputed,
                   run_metrics,
                   snapshots,
                   weights_at,
)
from .noise_floor import PLANTED_NOISE_KEYS, _without_stream, noise_floor_section  # noqa: F401
from .planted import (  # noqa: F401
                   KIND_LABELS,
                   PLANTED_EXPERIMENT,
                   PLANTED_KEYS,
                   _planted_vs_control,
                   _variant,
                   planted_figures,
                   planted_recomputed,
                   planted_run_metrics,
                   planted_section,
                   planted_verdict,
)
from .recall import (  # noqa: F401
                   BURST_GUARD,
                   EARLY_WINDOW,
                   KIND_NAMES,
                   REJECT_WINDOW,
                   network_bursts,
                   recall_metrics,
                   recall_trials,
                   unencoded_members,
)
from .retention import (  # noqa: F401
                   LIFETIME_LEVELS,
                   RETENTION_EXPERIMENT,
                   RETENTION_KEYS,
                   TRACE_LEVEL,
                   retention_curves,
                   retention_figures,
                   retention_metrics,
                   retention_recomputed,
                   retention_section,
)
from .runs import (  # noqa: F401
                   CHRONIC,
                   CONDITION_ORDER,
                   EXPERIMENT,
                   _by_condition_seed,
                   _default_stream,
                   _load,
                   _ordered,
                   condition_label,
                   glun2b_arm,
                   load_memory_runs,
)
from .tables import (  # noqa: F401
                   COMPARISONS,
                   HEADLINE,
                   MIN_PAIRS_FOR_CI,
                   _fmt_ci,
                   _judge,
                   _paired_md,
                   _paired_tables,
                   _row,
                   _signed,
                   _summary,
                   _verdict_word,
                   comparisons,
                   paired_table,
)

__all__ = ["PLANTED_EXPERIMENT", "planted_run_metrics", "planted_recomputed",
           "planted_section", "planted_figures", "noise_floor_section", "recall_trials",
           "recall_metrics", "unencoded_members", "network_bursts", "N_PSEUDO",
           "EXPERIMENT", "SNR_CRITERION", "CONDITION_ORDER", "COMPARISONS", "snapshots",
           "weights_at", "run_metrics", "paired_table", "memory_section", "load_memory_runs",
           "glun2b_arm", "condition_label", "positive_control", "comparisons", "HEADLINE",
           "CHRONIC",
           "KEY_METRICS", "CAPACITY_EXPERIMENT", "RETENTION_EXPERIMENT",
           "CAPACITY_THRESHOLD", "LIFETIME_LEVELS", "TRACE_LEVEL", "capacity_p_values",
           "capacity_subrun", "capacity_run_metrics", "capacity_recomputed",
           "retention_curves", "retention_metrics", "retention_recomputed",
           "capacity_section", "retention_section", "capacity_figures",
           "retention_figures"]
