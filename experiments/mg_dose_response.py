"""mg-dose-response: bouton Pr against measured presynaptic [Mg]i (target T3).

Reproduces Zhou, Bi & Liu (2024) Nat Commun 15:3406, Fig 4d: Pr and [Mg]i measured in
the same boutons (FM dye + Mg2+ indicator) fall on a power law (double-log fit
R² 0.54).  Branch groups are equilibrated at several bath [Mg]i levels; each branch's
[Mg]i scatters around its level (``mg_i_branch_cv``) and each bouton's *measured*
[Mg]i carries imaging scatter (``mg_i_measurement_cv``), both documented parameters.
Pr is measured by the virtual 1AP assay.

Run: ``mgnet run mg-dose-response``
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from brian2 import mM, nS

from models.assay import AssaySample, run_field_assay
from models.configuration import equilibrium_pr
from models.parameters import param
from . import bouton_assay as ba

NAME = "mg-dose-response"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ba.PARAM_SECTIONS
DESCRIPTION = "bouton Pr vs measured [Mg]i with imaging scatter (T3)"


@dataclass(frozen=True)
class OPTIONS(ba.OPTIONS):
    """Bouton-assay options plus the [Mg]i levels (multiples of the condition [Mg]i)."""
    levels: tuple = param((0.5, 0.75, 1.0, 1.5, 2.0, 3.0), "spans the [Mg]i range of "
                          "Zhou et al. (2024) Fig 4d (~0.2-1.5 mM)", low=0.05, high=20.0,
                          doc="bath [Mg]i levels as multiples of the condition [Mg]i")


SCALES = {"quick": {"n_branches": 12}, "default": {"n_branches": 120},
          "paper": {"n_branches": 240}}
check_options = ba.check_options


def run(cfg, progress=None):
    """Equilibrate branch groups at each level, assay, add measured [Mg]i; RunData."""
    from analysis.run_file import RunData
    p = cfg.params
    opts = cfg.options
    if not opts.levels:
        from .config import ConfigError
        raise ConfigError("options.levels: need at least one level")
    pop = ba.population(cfg)
    mg_ref = float(p.magnesium.mg_i_ref / mM)
    base = float(p.magnesium.mg_i / mM)
    level_of_branch = np.asarray(opts.levels)[np.arange(pop.n_branches) % len(opts.levels)]
    pr = np.zeros(pop.n_boutons)
    mg_branch = np.zeros(pop.n_branches)
    for lev in np.unique(level_of_branch):
        pr_l, mg_l = equilibrium_pr(pop, base * lev, mg_ref, p.release, p.configuration)
        sel_b = level_of_branch == lev
        pr[sel_b[pop.branch_id]] = pr_l[sel_b[pop.branch_id]]
        mg_branch[sel_b] = mg_l[sel_b]
    q = float(p.receptors.q_ampa / nS) * pop.q_rel
    (res,) = run_field_assay(pop.branch_id, [AssaySample(pr, q, float(p.magnesium.mg_o / mM))],
                             p, protocol=ba.protocol_of(opts), seed=cfg.seed,
                             device_name=opts.device, progress=progress)
    boutons = ba.bouton_rows(pop, pr, mg_branch, q, res, opts.n_spikes)
    rng = np.random.default_rng(cfg.seed + 7919)
    cv = p.configuration.mg_i_measurement_cv
    sd = np.sqrt(np.log(1 + cv ** 2))
    boutons["mg_i_measured"] = boutons["mg_i"] * np.exp(sd * rng.standard_normal(pop.n_boutons)
                                                        - sd ** 2 / 2)
    boutons["mg_level"] = (base * level_of_branch)[pop.branch_id]
    branches = ba.branch_rows(pop, boutons, mg_branch,
                              extra={"mg_level": base * level_of_branch})
    units = dict(ba.EXTRA_UNITS, **{"/boutons/mg_i_measured": "mM", "/boutons/mg_level": "mM",
                                    "/branches/mg_level": "mM"})
    return RunData(attrs={}, spikes={}, boutons=boutons, branches=branches,
                   protocol=ba._protocol_phases(opts),
                   metrics={"n_branches": int(pop.n_branches), "n_boutons": int(pop.n_boutons),
                            "n_levels": len(opts.levels),
                            "mg_i_measurement_cv": float(cv)},
                   units=units)
