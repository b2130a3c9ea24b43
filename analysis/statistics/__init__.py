"""Statistics used to compare the model with Zhou, Bi & Liu (2024) and to report predictions.

The paper reports regression R² for curve fits (hyperbola D = k / P̄r, lines, double-log power
laws), two-sided two-sample Kolmogorov–Smirnov tests between conditions and Spearman
correlations; the memory-encoding predictions (science.md §6) are reported as paired
comparisons over seeds with bootstrap 95 % confidence intervals, effect sizes and a stated
multiple-comparison correction.  Every function here takes plain array-likes, drops
non-finite entries (reporting how many), and returns a small frozen dataclass so that
results can be logged or serialised with ``as_dict()``.

Resampling statistics come from scipy, not hand-written loops:
:func:`scipy.stats.bootstrap` draws every bootstrap resample (BCa, percentile, basic, and
the studentised bootstrap-t built on its resamples), :func:`scipy.stats.permutation_test`
gives the paired sign-flip p-values.  Which interval a function returns is stated in its
docstring and in the ``method`` field of its result; the measured coverage of each at
n = 10 pairs is in :data:`MEASURED_COVERAGE` (and :func:`interval_description` turns it
into a report sentence).  Multiple comparisons: :func:`holm` (family-wise) and
:func:`benjamini_hochberg` (false discovery rate).  Effect sizes: :func:`cohen_dz`,
:func:`hedges_g`.  ANCOVA: :func:`ancova`.

This module is pure numpy/scipy on purpose: analysis must run on saved run files without
Brian2.
"""

from __future__ import annotations

# Not in __all__, but importable from here before the split: kept importable.
from .bootstrap import (
                   _INTERVAL_NAMES,  # noqa: F401
                   CI_METHODS,
                   COVERAGE_N,
                   COVERAGE_REPETITIONS,
                   DEFAULT_CI_METHOD,
                   MEASURED_COVERAGE,
                   BootstrapCI,
                   bootstrap_ci,
                   interval_description,
)
from .comparisons import (
                   PairedBootstrap,
                   SignFlipTest,
                   TwoSampleBootstrap,
                   paired_bootstrap,
                   sign_flip_test,
                   two_sample_bootstrap,
)
from .effect_size import cohen_dz, hedges_correction, hedges_g
from .fits import (
                   HyperbolicFit,
                   LinearFit,
                   OffsetPowerFit,
                   PowerLawFit,
                   hyperbolic_fit,
                   linear_fit,
                   offset_power_fit,
                   power_law_fit,
)
from .multiple import benjamini_hochberg, holm
from .proportions import binary_entropy, binomial_sd
from .rank_tests import KSResult, SpearmanResult, ks_test, spearman
from .regression import AncovaResult, MedianSplit, ancova, median_split, relative_change

__all__ = [
    "binary_entropy",
    "HyperbolicFit",
    "LinearFit",
    "PowerLawFit",
    "OffsetPowerFit",
    "KSResult",
    "SpearmanResult",
    "BootstrapCI",
    "PairedBootstrap",
    "TwoSampleBootstrap",
    "SignFlipTest",
    "AncovaResult",
    "CI_METHODS",
    "DEFAULT_CI_METHOD",
    "MEASURED_COVERAGE",
    "COVERAGE_N",
    "COVERAGE_REPETITIONS",
    "MedianSplit",
    "hyperbolic_fit",
    "linear_fit",
    "power_law_fit",
    "offset_power_fit",
    "ks_test",
    "spearman",
    "bootstrap_ci",
    "paired_bootstrap",
    "two_sample_bootstrap",
    "sign_flip_test",
    "interval_description",
    "cohen_dz",
    "hedges_g",
    "hedges_correction",
    "holm",
    "benjamini_hochberg",
    "ancova",
    "relative_change",
    "median_split",
    "binomial_sd",
]
