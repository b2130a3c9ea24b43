"""reconfiguration: time course of the configuration after a step in [Mg]i (T2's lag).

Reproduces Zhou, Bi & Liu (2024) Nat Commun 15:3406, Fig 4a: after [Mg]i is raised,
D rises and P̄r falls with a lag (little at 1-2 h, clear at ~4 h) while ΣPr stays
constant.  The same branches are assayed at 0, 1, 2, 4, 8 and 24 h after a step from
the condition's [Mg]i to the elevated [Mg]i of the ``elevated_mg`` preset (the
configuration dynamics of :mod:`mgnet.models.configuration`: a two-stage Mg cascade and
set-point homeostasis), all in the same recording solution.  One Brian2 build, one
standalone rerun per time point.  The fraction of exhausted branches (every bouton
active, ΣPr below the set-point) is recorded at every time point.

Run: ``mgnet run reconfiguration``
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import mM

from mgnet.models.assay import run_field_assay
from mgnet.models.configuration import bouton_mg, reconfiguration_time_course
from mgnet.models.parameters import condition as condition_params
from mgnet.models.parameters import param

from . import bouton_assay as ba
from .errors import ConfigError
from .experiment import Experiment, Runs

NAME = "reconfiguration"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ba.PARAM_SECTIONS
DESCRIPTION = "configuration time course after a [Mg]i step (Fig 4a)"


@dataclass(frozen=True)
class OPTIONS(ba.OPTIONS):
    """Bouton-assay options plus the sampled times."""
    times_h: tuple = param((0.0, 1.0, 2.0, 4.0, 8.0, 24.0), "Zhou et al. (2024) Fig 4a and "
                           "the issue: 0, 1, 2, 4, 8, 24 h", low=0.0, high=1000.0,
                           doc="hours after the [Mg]i step")
    glun2b_block: bool = param(False, "not needed for the time course",
                               doc="virtual GluN2B block")


#: Default and paper scales assay the branches of the bouton-assay run of the same seed
#: and scale (same ``n_branches``, same anatomy), so the last time point is that run's
#: equilibrium and its exhausted fraction is not a second, noisier sample (60 branches
#: gave 28 % exhausted at seed 0 where the 160-branch population has 14 %).
SCALES = {"quick": {"n_branches": 12, "times_h": (0.0, 4.0, 24.0)},
          "default": {"n_branches": 160}, "paper": {"n_branches": 240}}
check_options = ba.check_options


def run(cfg, progress=None):
    """Assay the same branches at each time after the step; RunData with time_h."""
    from mgnet.analysis.run_file import RunData
    p = cfg.params
    opts = cfg.options
    times = np.asarray(opts.times_h, dtype=float)
    if len(times) == 0 or np.any(np.diff(times) < 0):
        raise ConfigError("options.times_h must be a non-empty increasing list of hours")
    pop = ba.population(cfg)
    mg_ref = float(p.magnesium.mg_i_ref / mM)
    before = float(p.magnesium.mg_i / mM)
    after = float(condition_params("elevated_mg").magnesium.mg_i / mM)
    tc = reconfiguration_time_course(pop, before, after, times, mg_ref, p.release,
                                     p.configuration)
    samples, inputs = [], None
    for pr in tc["pr_true"]:
        s, inputs = ba.assay_samples(pop, pr, p, False)
        samples += s
    results = run_field_assay(pop.branch_id, samples, p, protocol=ba.protocol_of(opts),
                              seed=cfg.seed, device_name=opts.device, progress=progress)
    bout_parts, branch_parts = [], []
    for k, (t, res) in enumerate(zip(times, results, strict=True)):
        mg_eff = tc["m_b"][k]  # [Mg]i that has reached each branch's machinery
        rows = ba.bouton_rows(pop, tc["pr_true"][k], bouton_mg(pop, mg_eff), inputs["q"], res,
                              opts.n_spikes, branch_offset=k * pop.n_branches, inputs=inputs)
        rows["time_h"] = np.full(pop.n_boutons, t)
        bout_parts.append(rows)
        branch_parts.append(ba.branch_rows(pop, rows, mg_eff, branch_offset=k * pop.n_branches,
                                           extra={"time_h": np.full(pop.n_branches, t),
                                                  "sum_pr_true_model": tc["sum_pr_true"][k],
                                                  "activation": tc["a"][k],
                                                  "exhausted": tc["exhausted"][k]}))
    boutons = {c: np.concatenate([b[c] for b in bout_parts]) for c in bout_parts[0]}
    branches = {c: np.concatenate([b[c] for b in branch_parts]) for c in branch_parts[0]}
    units = dict(ba.EXTRA_UNITS, **{"/boutons/time_h": "h", "/branches/time_h": "h",
                                    "/branches/activation": "1"})
    metrics = {"n_branches": int(pop.n_branches), "n_times": int(len(times)),
               "mg_i_before_mM": before, "mg_i_after_mM": after,
               "recording_mg_o_mM": ba.recording_mg_o(p)}
    for k, t in enumerate(times):
        metrics[f"exhausted_fraction_{t:g}h"] = float(np.mean(tc["exhausted"][k]))
    return RunData(attrs={}, spikes={}, boutons=boutons, branches=branches,
                   protocol=ba._protocol_phases(opts), metrics=metrics,
                   units=ba.units_for(boutons, branches, units))


EXPERIMENT = Experiment(
    name=NAME, order=40, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    reproduce=(Runs(("baseline",), (0,)),))
