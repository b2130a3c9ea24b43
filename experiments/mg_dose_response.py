"""mg-dose-response: bouton Pr against measured presynaptic [Mg]i (target T3).

Reproduces Zhou, Bi & Liu (2024) Nat Commun 15:3406, Fig 4d: Pr and [Mg]i measured in
the same boutons (FM4-64 + Magnesium Green) in two groups of cultures, physiological and
elevated Mg2+ (204 and 444 boutons from 3 and 4 repeats; Fig 4e: 55 and 56 branches),
pooled into one double-log fit (R² 0.54).  Here the branches are split into the same two
groups (alternating, so both have the same anatomy statistics): each group is equilibrated
at its condition's [Mg]i (``groups``, condition presets), every bouton's [Mg]i is its
branch's times its own axon's factor (``mg_i_branch_cv``, ``mg_i_bouton_cv``), and its
*measured* [Mg]i carries the Magnesium Green imaging scatter (``mg_i_measurement_cv``).
Pr is measured by the virtual 1AP assay, both groups in the same recording solution.

Run: ``mgnet run mg-dose-response``
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import mM

from mgnet.models.assay import run_field_assay
from mgnet.models.configuration import equilibrium_state
from mgnet.models.parameters import condition as condition_params
from mgnet.models.parameters import param

from . import bouton_assay as ba
from .errors import ConfigError
from .experiment import Experiment, Runs

NAME = "mg-dose-response"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ba.PARAM_SECTIONS
DESCRIPTION = "bouton Pr vs measured [Mg]i in two groups with imaging scatter (T3)"


@dataclass(frozen=True)
class OPTIONS(ba.OPTIONS):
    """Bouton-assay options plus the two culture groups of Fig 4d."""
    groups: tuple = param(("baseline", "elevated_mg"), "Zhou et al. (2024) Fig 4d-e: "
                          "physiological and elevated Mg2+ groups, pooled in one fit",
                          doc="condition presets whose [Mg]i the branch groups take; the "
                              "first is replaced by the run's own condition")
    glun2b_block: bool = param(False, "not needed for T3", doc="virtual GluN2B block")


SCALES = {"quick": {"n_branches": 12}, "default": {"n_branches": 120},
          "paper": {"n_branches": 240}}
check_options = ba.check_options


def group_mg_i(cfg) -> list[float]:
    """[Mg]i (mM) of every group: the run's condition, then the other presets."""
    opts = cfg.options
    if not opts.groups:
        raise ConfigError("options.groups: need at least one condition")
    out = [float(cfg.params.magnesium.mg_i / mM)]
    for name in opts.groups[1:]:
        try:
            out.append(float(condition_params(name).magnesium.mg_i / mM))
        except KeyError as exc:
            raise ConfigError(f"options.groups: {exc.args[0]}") from exc
    return out


def group_states(pop, levels, params) -> dict:
    """Equilibrated configuration of the branch groups: branch b belongs to group
    ``b % len(levels)`` and is equilibrated at that group's [Mg]i (mM).

    Returns
    -------
    dict
        Per bouton ``pr``, ``mg_bouton`` (mM); per branch ``mg_branch`` (mM),
        ``exhausted``, ``group``.
    """
    mg_ref = float(params.magnesium.mg_i_ref / mM)
    levels = np.asarray(levels, dtype=float)
    group_of_branch = np.arange(pop.n_branches) % len(levels)
    out = {"pr": np.zeros(pop.n_boutons), "mg_bouton": np.zeros(pop.n_boutons),
           "mg_branch": np.zeros(pop.n_branches),
           "exhausted": np.zeros(pop.n_branches, bool), "group": group_of_branch}
    for g, lev in enumerate(levels):
        st = equilibrium_state(pop, float(lev), mg_ref, params.release, params.configuration)
        sel_b = group_of_branch == g
        sel = sel_b[pop.branch_id]
        out["pr"][sel] = st["pr"][sel]
        out["mg_bouton"][sel] = st["mg_bouton"][sel]
        out["mg_branch"][sel_b] = st["mg_branch"][sel_b]
        out["exhausted"][sel_b] = st["exhausted"][sel_b]
    return out


def add_measured_mg(boutons: dict, pop, levels, state: dict, params, seed: int) -> None:
    """Add ``mg_i_measured`` (the Magnesium Green scatter, log-normal with mean 1 and CV
    ``mg_i_measurement_cv``), ``mg_level`` and ``mg_group`` to the bouton rows."""
    rng = np.random.default_rng(seed + 7919)
    cv = params.configuration.mg_i_measurement_cv
    sd = np.sqrt(np.log(1 + cv ** 2))
    boutons["mg_i_measured"] = boutons["mg_i"] * np.exp(sd * rng.standard_normal(pop.n_boutons)
                                                        - sd ** 2 / 2)
    group = state["group"]
    boutons["mg_level"] = np.asarray(levels, float)[group][pop.branch_id]
    boutons["mg_group"] = group[pop.branch_id].astype(np.int64)


def run(cfg, progress=None):
    """Equilibrate each branch group at its [Mg]i, assay, add measured [Mg]i; RunData."""
    from mgnet.analysis.run_file import RunData
    p = cfg.params
    opts = cfg.options
    pop = ba.population(cfg)
    levels = np.asarray(group_mg_i(cfg))
    st = group_states(pop, levels, p)
    pr, mg_bouton, mg_branch, exhausted = (st["pr"], st["mg_bouton"], st["mg_branch"],
                                           st["exhausted"])
    group_of_branch = st["group"]
    samples, inputs = ba.assay_samples(pop, pr, p, opts.glun2b_block)
    results = run_field_assay(pop.branch_id, samples, p, protocol=ba.protocol_of(opts),
                              seed=cfg.seed, device_name=opts.device, progress=progress)
    boutons = ba.bouton_rows(pop, pr, mg_bouton, inputs["q"], results[0], opts.n_spikes,
                             inputs=inputs,
                             blocked=results[1] if len(results) > 1 else None)
    add_measured_mg(boutons, pop, levels, st, p, cfg.seed)
    cv = p.configuration.mg_i_measurement_cv
    branches = ba.branch_rows(pop, boutons, mg_branch,
                              extra={"mg_level": levels[group_of_branch],
                                     "mg_group": group_of_branch.astype(np.int64),
                                     "exhausted": exhausted})
    units = dict(ba.EXTRA_UNITS, **{"/boutons/mg_i_measured": "mM", "/boutons/mg_level": "mM",
                                    "/branches/mg_level": "mM", "/boutons/mg_group": "1",
                                    "/branches/mg_group": "1"})
    return RunData(attrs={}, spikes={}, boutons=boutons, branches=branches,
                   protocol=ba._protocol_phases(opts),
                   metrics={"n_branches": int(pop.n_branches), "n_boutons": int(pop.n_boutons),
                            "n_groups": len(levels),
                            "group_mg_i_mM": ",".join(f"{x:.4g}" for x in levels),
                            "mg_i_measurement_cv": float(cv),
                            "recording_mg_o_mM": ba.recording_mg_o(p),
                            "exhausted_fraction": float(exhausted.mean())},
                   units=ba.units_for(boutons, branches, units))


EXPERIMENT = Experiment(
    name=NAME, order=30, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    reproduce=(Runs(("baseline",), (0, 1, 2, 3, 4)),))
