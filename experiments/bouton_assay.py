"""bouton-assay: virtual FM-dye and spine-Ca2+ assays of branch configurations.

Reproduces the measurements behind Zhou, Bi & Liu (2024) Nat Commun 15:3406,
Figs 1b-f (D vs P̄r hyperbola, Pr distributions, burst facilitation, ΣPr and
ΣPr_burst), 3a (spine Ca2+ vs Pr), 7-8 (transmission G, G_burst, coding capacity);
targets T1, T2, T4, T5, T7-T9 of science.md §3.

Each run samples ``n_branches`` branches (anatomy fixed by the seed, so conditions
are compared on identical branches), equilibrates their configuration at the
condition's [Mg]i (:mod:`models.configuration`), then delivers the 1AP and burst
protocols to every bouton through stochastic Tsodyks–Markram contacts in Brian2
(:mod:`models.assay`).  Pr, Pr_burst and spine Ca2+ are *measured* from 30 trials.

Run: ``mgnet run bouton-assay --condition elevated_mg``
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, mM, nS, second

from models.assay import AssayProtocol, AssaySample, run_field_assay
from models.configuration import BranchPopulation, equilibrium_pr, sample_branches
from models.parameters import param

NAME = "bouton-assay"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "release", "stp", "receptors", "spine_ca", "calcium", "neuron", "configuration")
DESCRIPTION = "virtual FM-dye / spine Ca2+ assay of branch configurations (T1-T9)"


@dataclass(frozen=True)
class OPTIONS:
    """Options of the bouton assays (shared by mg-dose-response and reconfiguration)."""
    n_branches: int = param(80, "science.md §3: >= 60 branches and >= 800 boutons per "
                            "condition", low=1, high=100000, doc="branches assayed")
    device: str = param("cpp_standalone", "design.md §5: compile once, rerun with run_args",
                        choices=("cpp_standalone", "runtime"), doc="Brian2 device")
    n_spikes: int = param(30, "Zhou et al. (2024) Methods: 30 APs", low=2, high=10000,
                          doc="spikes per protocol")
    one_ap_rate: object = param(0.5 * Hz, "Zhou et al. (2024) Methods", low=0.01 * Hz,
                                high=10 * Hz, doc="rate of the 1AP protocol")
    burst_rate: object = param(100 * Hz, "Zhou et al. (2024) Methods", low=1 * Hz,
                               high=500 * Hz, doc="rate within a train")
    spikes_per_train: int = param(5, "Zhou et al. (2024) Methods", low=1, high=100,
                                  doc="spikes per train")
    train_interval: object = param(4 * second, "science.md §2: trains >= 2 s apart",
                                   low=2 * second, high=60 * second,
                                   doc="train onset-to-onset interval")


SCALES = {"quick": {"n_branches": 12}, "default": {"n_branches": 160},
          "paper": {"n_branches": 240}}


def check_options(opts) -> None:
    """Cross-field checks."""
    from .config import ConfigError
    if opts.n_spikes % opts.spikes_per_train:
        raise ConfigError("options.n_spikes must be a multiple of options.spikes_per_train")


def protocol_of(opts) -> AssayProtocol:
    """The assay protocol described by the options."""
    return AssayProtocol(n_spikes=opts.n_spikes, one_ap_rate=float(opts.one_ap_rate),
                         burst_rate=float(opts.burst_rate),
                         spikes_per_train=opts.spikes_per_train,
                         train_interval=float(opts.train_interval))


def population(cfg) -> BranchPopulation:
    """Anatomy of the run (same seed and options -> same branches in every condition)."""
    return sample_branches(cfg.options.n_branches, cfg.params.configuration, rng=cfg.seed)


def bouton_rows(pop: BranchPopulation, pr_true, mg_branch_mM, q_nS, result, n_spikes,
                branch_offset: int = 0) -> dict:
    """/boutons columns for one assayed sample."""
    return {
        "branch_id": (pop.branch_id + branch_offset).astype(np.int64),
        "pr_true": np.asarray(pr_true, dtype=float),
        "mg_i": np.asarray(mg_branch_mM, dtype=float)[pop.branch_id],
        "n_release_1ap": result["n_release_1ap"],
        "n_release_burst": result["n_release_burst"],
        "pr_1ap": result["n_release_1ap"] / n_spikes,
        "pr_burst": result["n_release_burst"] / n_spikes,
        "q": np.asarray(q_nS, dtype=float),
        "wca": result["wca"], "wca_burst": result["wca_burst"],
        "wca_2b": result["wca_2b"], "wca_burst_2b": result["wca_burst_2b"],
        "wca_nmda": result["wca_nmda"], "wca_burst_nmda": result["wca_burst_nmda"],
        "active": np.asarray(pr_true) > 0,
        "competence": pop.competence * 1.0,
    }


def branch_rows(pop: BranchPopulation, boutons: dict, mg_branch_mM, branch_offset=0,
                extra: dict | None = None) -> dict:
    """/branches columns: anatomy plus metrics recomputed from the bouton rows."""
    from analysis.configuration_metrics import branch_metrics
    ids = np.arange(pop.n_branches) + branch_offset
    table = branch_metrics(boutons, ids, pop.length_um)
    rows = {"branch_id": ids.astype(np.int64), "length_um": pop.length_um * 1.0,
            "mg_i": np.asarray(mg_branch_mM, dtype=float), "setpoint": pop.setpoint * 1.0}
    for col in ("D", "mean_pr", "sum_pr", "sum_pr_burst", "stf", "capacity_bits", "G",
                "G_burst"):
        rows[col] = np.asarray(table[col], dtype=float)
    rows.update(extra or {})
    return rows


#: Units of the non-standard columns written by the assay experiments.
EXTRA_UNITS = {
    "/boutons/wca_2b": "a.u.", "/boutons/wca_burst_2b": "a.u.",
    "/boutons/wca_nmda": "a.u.", "/boutons/wca_burst_nmda": "a.u.",
    "/boutons/active": "1", "/boutons/competence": "1",
    "/branches/setpoint": "1/(10 um)", "/branches/G": "nS/(10 um)",
    "/branches/G_burst": "nS/(10 um)",
}


def run(cfg, progress=None):
    """Assay the equilibrated configuration of the condition; return RunData."""
    from analysis.run_file import RunData
    p = cfg.params
    pop = population(cfg)
    mg_ref = float(p.magnesium.mg_i_ref / mM)
    pr, mg_branch = equilibrium_pr(pop, float(p.magnesium.mg_i / mM), mg_ref, p.release,
                                   p.configuration)
    q = float(p.receptors.q_ampa / nS) * pop.q_rel
    sample = AssaySample(pr=pr, q=q, mg_o=float(p.magnesium.mg_o / mM))
    (res,) = run_field_assay(pop.branch_id, [sample], p, protocol=protocol_of(cfg.options),
                             seed=cfg.seed, device_name=cfg.options.device,
                             progress=progress)
    boutons = bouton_rows(pop, pr, mg_branch, q, res, cfg.options.n_spikes)
    branches = branch_rows(pop, boutons, mg_branch)
    func = boutons["pr_1ap"] >= p.release.functional_threshold
    metrics = {
        "n_branches": int(pop.n_branches), "n_boutons": int(pop.n_boutons),
        "n_functional": int(func.sum()),
        "silent_fraction": float(1 - func.mean()),
        "silent_fraction_true": float(np.mean(pr < p.release.functional_threshold)),
        "mean_pr_functional": float(boutons["pr_1ap"][func].mean()) if func.any() else
        float("nan"),
        "mean_pr_true_functional": float(pr[func].mean()) if func.any() else float("nan"),
        "mg_o_mM": float(p.magnesium.mg_o / mM), "mg_i_mM": float(p.magnesium.mg_i / mM),
        "post_spikes_1ap": int(res["post_spikes_1ap"].sum()),
        "post_spikes_burst": int(res["post_spikes_burst"].sum()),
    }
    return RunData(attrs={}, spikes={}, boutons=boutons, branches=branches,
                   protocol=_protocol_phases(cfg.options), metrics=metrics,
                   units=dict(EXTRA_UNITS))


def _protocol_phases(opts) -> dict:
    times, t_switch, t_stop = protocol_of(opts).times()
    return {"one_ap": {"t_start": 0.0, "t_stop": t_switch, "plasticity": False},
            "burst": {"t_start": t_switch, "t_stop": t_stop, "plasticity": False}}
