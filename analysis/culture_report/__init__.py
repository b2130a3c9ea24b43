"""Report sections for the culture experiments (culture bands; background-filtering).

Everything is computed from saved run files; no brian2.

culture-activity (science.md §4 item 7, §5): the burst statistics that each run stored
in ``/metrics`` (computed by :mod:`mgnet.analysis.bursts` on the combined E+I spikes after the
warm-up), compared here with :data:`mgnet.analysis.bursts.CULTURE_BANDS` (the band verdict is
recomputed with the current bands, not read from the file): one row per run (condition x
seed), a per-condition summary (mean ± SD over seeds, runs inside every band), the band
limits, one sentence per condition naming the statistics outside their band, the
acceptance check of the calibrated baseline (inside every band in every seed, >= 120 s
analysed, >= 5 seeds) and the network parameters the runs used (from each run's resolved
config, ``config_toml``).  Figures: :func:`activity_figures`
(:mod:`mgnet.analysis.figures.culture`).

background-filtering: relative change of the NMDA Ca2+ per E->E release between the run's
condition and each compared condition, separately for background and burst intervals,
with paired bootstrap 95 % CIs over neurons (same structure and random stream in every
condition), next to the Jahr–Stevens prediction at -70 mV stored by the experiment.

Command: ``mgnet reproduce --only culture-activity`` then ``mgnet figures`` (or
``mgnet reproduce``); the tables go to ``results/report.md``.
"""

from __future__ import annotations

# Not in __all__, but importable from here before the split: kept importable.
from .activity import (
                        ACTIVITY_EXPERIMENT,
                        BAND_NOTES,  # noqa: F401
                        CALIBRATED_OPTIONS,  # noqa: F401
                        CONDITION_ORDER,
                        CONTEXT_OPTIONS,  # noqa: F401
                        FIGURE_FILES,
                        MIN_ANALYSED_S,
                        MIN_SEEDS,
                        OUT,  # noqa: F401
                        RASTER_CONDITIONS,  # noqa: F401
                        RASTER_WINDOW_S,  # noqa: F401
                        RATE_COLUMNS,  # noqa: F401
                        STAT_COLUMNS,
                        activity_rows,
                        calibration_points,
                        condition_summary,
                        load_activity_records,
)
from .drawing import activity_figures
from .filtering import FILTERING_FIGURE, filtering_figures, filtering_rows, filtering_section
from .section import (
                        _acceptance,  # noqa: F401
                        activity_section,
                        outside_sentences,
)

__all__ = ["filtering_rows", "filtering_section", "ACTIVITY_EXPERIMENT", "CONDITION_ORDER",
           "STAT_COLUMNS", "FIGURE_FILES", "MIN_ANALYSED_S", "MIN_SEEDS",
           "load_activity_records", "activity_rows", "condition_summary",
           "outside_sentences", "calibration_points", "activity_section",
           "activity_figures", "filtering_figures", "FILTERING_FIGURE"]
