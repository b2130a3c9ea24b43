"""Potentiation and depression by protocol, configuration and condition (plasticity-induction).

Prediction, not reproduction (science.md §4 items 4–5, T10): does the DHiLo configuration
(many low-Pr boutons; Zhou, Bi & Liu 2024) change its synaptic weight more than DLoHi under
pairing, burst and anti-causal protocols, what is the STDP curve of the Graupner & Brunel
(2012) rule on these branches, and does elevated Mg2+ (Slutsky et al. 2004) change it?

Everything is recomputed from the raw per-contact rows of ``/synapses/plastic`` (weights,
ρ, ``q_down``) and the measured P̄r of ``/branches``; the derived columns and ``/metrics``
written by the experiment are not used.

- Unit of analysis: the branch.  Per branch and protocol, the relative change of total
  weight, Σ(w_p − w_0)/Σ q, over the active contacts (true Pr > 0; ``include_silent``
  adds the silent ones), with q the configured (= expected initial) weight of each
  contact (column ``q``; ``weight_initial`` if absent).  Normalising by the realised
  bimodal initial weights instead would bias the mean over branches upwards.  ``settled=True`` uses the eventual weight after the rule's
  bistable dynamics relax (ρ > ½ → UP, ρ < ½ → DOWN), the quantity behind Graupner &
  Brunel's change in synaptic strength.
- Pairing-specific change (``measure="specific"``): the change under a pairing protocol
  minus the change of the same branch under the ``unpaired`` control (the same pre- and
  postsynaptic spikes half a period apart).  It removes what releases, bAPs and the noise
  do on their own, including the drift of an initial state back to balance, and is the
  measure used for the DHiLo/DLoHi contrast of pairing protocols and the STDP curve.
- DHiLo/DLoHi: median split of measured P̄r over the pooled branches of all runs analysed
  together (:func:`mgnet.analysis.configuration_metrics.dhilo_dlohi_split`; the same rule as
  the configuration report).
- CIs: studentised bootstrap (bootstrap-t) of the mean over branches, resampled by
  :func:`scipy.stats.bootstrap` (:func:`mgnet.analysis.statistics.bootstrap_ci`); the
  DHiLo − DLoHi difference resamples the two groups independently and studentises with
  the Welch standard error (:func:`two_sample_bootstrap`).  Baseline vs elevated_mg:
  paired by (seed, branch) — the same anatomy — with
  :func:`mgnet.analysis.statistics.paired_bootstrap`, and by seed (run means) when at least two
  seeds are paired.  The studentised interval is used because BCa and percentile
  intervals cover only ≈ 91 % at ten paired seeds
  (:data:`mgnet.analysis.statistics.MEASURED_COVERAGE`).
- Tests: sign-flip (paired permutation) p-values from :func:`scipy.stats.permutation_test`,
  Holm-adjusted across the protocols of one comparison (``p_holm``); the CIs are
  per-comparison 95 % intervals, not adjusted.

Never imports brian2.  Used by :mod:`mgnet.analysis.report` (``mgnet figures`` / ``reproduce``).
"""

from __future__ import annotations

# Not in __all__, but importable from here before the split: kept importable.
from .data import (
                   BASELINE,
                   CONTROL,  # noqa: F401
                   ELEVATED,
                   EXPERIMENT,
                   FIGURE_FILES,
                   MAIN_PROTOCOLS,
                   MEASURES,  # noqa: F401
                   PATHWAY,  # noqa: F401
                   PlasticityDataError,
                   branch_changes,
                   load_plasticity_runs,
                   pooled_split,
                   protocol_names,
                   stdp_dt_ms,
)
from .drawing import plasticity_figures
from .section import plasticity_section
from .summaries import condition_comparison, induction_summary, stdp_curves, two_sample_bootstrap

__all__ = ["EXPERIMENT", "BASELINE", "ELEVATED", "MAIN_PROTOCOLS", "PlasticityDataError",
           "protocol_names", "stdp_dt_ms", "branch_changes", "pooled_split",
           "two_sample_bootstrap", "induction_summary", "condition_comparison",
           "stdp_curves", "load_plasticity_runs", "plasticity_section",
           "plasticity_figures", "FIGURE_FILES"]
