"""Reproduction targets T1–T9 of Zhou, Bi & Liu (2024) computed from raw bouton rows.

Reproduces (science.md §3): the synaptic-configuration findings of Zhou, Bi & Liu (2024)
*Nat Commun* 15:3406 (doi:10.1038/s41467-024-47571-3), Figs 1b–f, 3a, 4a, 4d, 7 and 8 — the
hyperbolic D–P̄r relation (T1), the Mg-induced shift of configuration (T2), the power law of Pr
in [Mg]i (T3), burst facilitation of low-Pr boutons (T4), burst output (T5), the silent-bouton
calibration target (T6), spine Ca²⁺ (T7), basal vs burst transmission of DHiLo/DLoHi branches
(T8) and coding capacity (T9).

Inputs are loaded run files (:class:`mgnet.analysis.run_file.RunData`) of three experiments:

``bouton-assay``       one file per condition (``baseline``, ``elevated_mg``, maybe ``aged``,
                       ``aged_elevated_mg``); several seeds of a condition are pooled.
``mg-dose-response``   one file; bouton rows also carry ``mg_i_measured`` and ``mg_level``.
``reconfiguration``    one file; bouton and branch rows carry ``time_h`` (hours after a [Mg]i
                       step).

Every branch quantity is recomputed from the raw per-bouton rows with
:func:`mgnet.analysis.configuration_metrics.branch_metrics`; only ``branch_id`` and ``length_um`` are
taken from ``/branches``.  Stored derived columns (``D``, ``mean_pr`` …) are never read, so a
bug in the experiment's own summary cannot leak into the report.

Each target becomes one row dict (see :func:`configuration_targets`) with the paper's value,
the model's value, the rule that decides "reproduced", and the per-criterion ``checks`` behind
the verdict.  Where the model's ground truth is known (``pr_true``, ``mg_i``, ``active``) it is
reported next to the assay estimate, so the reader can tell the biology from the 30-trial
assay noise.

Command: ``mgnet figures`` / ``mgnet reproduce`` (the report calls this module).  Pure
numpy/scipy: never imports Brian2.
"""

from __future__ import annotations

from ..configuration_metrics import FUNCTIONAL_PR_THRESHOLD  # noqa: F401
from .data import (
                   ASSAY_EXPERIMENT,
                   BASELINE,
                   CALIBRATIONS,
                   CONDITION_ORDER,
                   DOSE_EXPERIMENT,
                   ELEVATED,
                   FIGURE_FILES,
                   MAX_EXHAUSTED_FRACTION,
                   PAPER_SAMPLE_SIZE,
                   RECONFIG_EXPERIMENT,
                   ConditionData,
                   ConfigurationDataError,
                   ConfigurationRuns,
                   assay_conditions,
                   condition_data,
                   load_configuration_runs,
                   param_value,
                   run_params,
)
from .measures import (
                   capacity_gain_matched,
                   mann_whitney,
                   pooled_assay_table,
                   reconfiguration_timecourse,
                   timepoint_data,
)
from .reasons import failure_reason, failure_summary
from .tables import (
                   UNCERTAIN_PARAMETERS,
                   exhaustion_table,
                   nmda_charge_ratio,
                   parameter_table,
                   sample_size_notes,
)
from .targets import (
                   aggregate_rows,
                   configuration_targets,
                   target_t1,
                   target_t2,
                   target_t3,
                   target_t4,
                   target_t5,
                   target_t6,
                   target_t7,
                   target_t8,
                   target_t9,
)
from .targets_t5_t9 import (
                   T6_PAPER,  # noqa: F401
                   T6_TOLERANCE,  # noqa: F401
                   glun2b_share,
)

# Not in __all__, but importable from here before the split: kept importable.
from .verdicts import (
                   TARGETS,
                   _verdict,  # noqa: F401
)

__all__ = [
    "ASSAY_EXPERIMENT",
    "DOSE_EXPERIMENT",
    "RECONFIG_EXPERIMENT",
    "BASELINE",
    "ELEVATED",
    "CONDITION_ORDER",
    "FIGURE_FILES",
    "TARGETS",
    "PAPER_SAMPLE_SIZE",
    "ConfigurationDataError",
    "ConditionData",
    "ConfigurationRuns",
    "load_configuration_runs",
    "condition_data",
    "assay_conditions",
    "timepoint_data",
    "reconfiguration_timecourse",
    "pooled_assay_table",
    "capacity_gain_matched",
    "mann_whitney",
    "configuration_targets",
    "target_t1",
    "target_t2",
    "target_t3",
    "target_t4",
    "target_t5",
    "target_t6",
    "target_t7",
    "target_t8",
    "target_t9",
    "sample_size_notes",
    "failure_summary",
    "failure_reason",
    "nmda_charge_ratio",
    "run_params",
    "param_value",
    "aggregate_rows",
    "exhaustion_table",
    "parameter_table",
    "UNCERTAIN_PARAMETERS",
    "glun2b_share",
    "CALIBRATIONS",
    "MAX_EXHAUSTED_FRACTION",
]
