"""bouton-assay: virtual FM-dye and spine-Ca2+ assays of branch configurations.

Reproduces the measurements behind Zhou, Bi & Liu (2024) Nat Commun 15:3406,
Figs 1b-f (D vs P̄r hyperbola, Pr distributions, burst facilitation, ΣPr and
ΣPr_burst), 3a (spine Ca2+ vs Pr), 7-8 (transmission G, G_burst, coding capacity);
targets T1, T2, T4, T5, T7-T9 of science.md §3.

Each run samples ``n_branches`` branches (anatomy fixed by the seed, so conditions
are compared on identical branches), equilibrates their configuration at the
condition's [Mg]i (:mod:`mgnet.models.configuration`), then delivers the 1AP and burst
protocols to every bouton through stochastic contacts with a readily releasable pool
and Ca2+-dependent recovery in Brian2 (:mod:`mgnet.models.assay`, :mod:`mgnet.models.release_pool`).
Pr, Pr_burst and spine Ca2+ are *measured* from 30 trials.  Both conditions are imaged in
the same recording solution (``AssayParams.mg_o``), not at the culture's [Mg]o.

Spine Ca2+ (wCa) is a concentration: the NMDA Ca2+ charge of a synapse divided by its
spine volume, which scales with the PSD (``AssayParams.spine_volume_exponent``), while
the NMDA content hardly scales with synapse size (``AssayParams.nmda_size_exponent``);
the charge is kept in ``wca_charge``.  The GluN2B share of spine Ca2+ is measured as the
paper did (Fig 3h): the whole assay is repeated with a virtual GluN2B block and the
total spine Ca2+ compared (``wca_blocked``).  Branches whose every bouton is active
while ΣPr stays below the set-point are flagged ``exhausted`` (their homeostasis has
failed; science.md §4 item 2).

Run: ``mgnet run bouton-assay --condition elevated_mg``
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, mM, nS, second

from mgnet.models.assay import AssayProtocol, AssaySample, run_field_assay
from mgnet.models.configuration import BranchPopulation, equilibrium_state, sample_branches
from mgnet.models.parameters import param
from mgnet.models.release_pool import rrp_sizes

from .errors import ConfigError
from .experiment import Experiment, Runs

NAME = "bouton-assay"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "release", "stp", "receptors", "spine_ca", "calcium",
                  "neuron", "configuration", "release_pool", "assay")
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
    glun2b_block: bool = param(True, "Zhou et al. (2024) Fig 3h: spine Ca2+ before and after "
                               "GluN2B blockade", doc="repeat the assay with a virtual "
                               "GluN2B block (the GluN2B share of T7)")


SCALES = {"quick": {"n_branches": 12}, "default": {"n_branches": 160},
          "paper": {"n_branches": 240}}


def check_options(opts) -> None:
    """Cross-field checks."""
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


def assay_inputs(pop: BranchPopulation, params) -> dict:
    """Per-bouton assay inputs: q (nS), NMDA content q_nmda (nS), RRP size and relative
    spine volume, from the bouton sizes ``pop.q_rel`` (documented scalings)."""
    rec, ap, pool = params.receptors, params.assay, params.release_pool
    q = float(rec.q_ampa / nS) * pop.q_rel
    q_nmda = (float(rec.q_ampa / nS) * rec.nmda_ampa_ratio
              * pop.q_rel ** ap.nmda_size_exponent)
    return {"q": q, "q_nmda": q_nmda,
            "n_rrp": rrp_sizes(pop.q_rel, pool.n_rrp_median, pool.n_rrp_max),
            "spine_volume": pop.q_rel ** ap.spine_volume_exponent,
            "bap_scale": pop.q_rel ** -ap.bap_concentration_size_exponent}


def recording_mg_o(params) -> float:
    """[Mg]o (mM) of the solution the assay is imaged in."""
    if params.assay.use_condition_mg_o:
        return float(params.magnesium.mg_o / mM)
    return float(params.assay.mg_o / mM)


def _concentration(result: dict, inputs: dict, proto: str) -> dict:
    """Spine Ca2+ concentrations (a.u.) of one protocol from the charges of a result."""
    sfx = "" if proto == "1ap" else "_burst"
    vol, bap = inputs["spine_volume"], inputs["bap_scale"]
    nmda = result[f"wca{sfx}_nmda"] / vol
    return {"total": nmda + result[f"wca{sfx}_bap"] * bap, "nmda": nmda,
            "2b": result[f"wca{sfx}_2b"] / vol}


def bouton_rows(pop: BranchPopulation, pr_true, mg_bouton_mM, q_nS, result, n_spikes,
                branch_offset: int = 0, inputs: dict | None = None,
                blocked: dict | None = None) -> dict:
    """/boutons columns for one assayed sample.

    ``mg_bouton_mM`` is the [Mg]i of every bouton (or of every branch, for callers that
    pass one value per branch).  With ``inputs`` (:func:`assay_inputs`) wCa is the spine
    Ca2+ concentration and the charges are kept as ``wca_charge``; ``blocked`` is the
    result of the same assay under the virtual GluN2B block.
    """
    mg = np.asarray(mg_bouton_mM, dtype=float)
    if mg.shape[0] == pop.n_branches and pop.n_branches != pop.n_boutons:
        mg = mg[pop.branch_id]
    rows = {
        "branch_id": (pop.branch_id + branch_offset).astype(np.int64),
        "pr_true": np.asarray(pr_true, dtype=float),
        "mg_i": mg,
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
    if inputs is not None:
        c1, cb = _concentration(result, inputs, "1ap"), _concentration(result, inputs, "burst")
        rows.update({
            "wca_charge": result["wca"], "wca_burst_charge": result["wca_burst"],
            "wca": c1["total"], "wca_burst": cb["total"],
            "wca_nmda": c1["nmda"], "wca_burst_nmda": cb["nmda"],
            "wca_2b": c1["2b"], "wca_burst_2b": cb["2b"],
            "q_nmda": np.asarray(inputs["q_nmda"], float),
            "n_rrp": np.asarray(inputs["n_rrp"], np.int64),
            "spine_volume": np.asarray(inputs["spine_volume"], float),
        })
        if blocked is not None:
            b1, bb = (_concentration(blocked, inputs, "1ap"),
                      _concentration(blocked, inputs, "burst"))
            rows.update({"wca_blocked": b1["total"], "wca_burst_blocked": bb["total"],
                         "n_release_1ap_blocked": blocked["n_release_1ap"]})
    return rows


def branch_rows(pop: BranchPopulation, boutons: dict, mg_branch_mM, branch_offset=0,
                extra: dict | None = None) -> dict:
    """/branches columns: anatomy plus metrics recomputed from the bouton rows."""
    from mgnet.analysis.configuration_metrics import branch_metrics
    ids = np.arange(pop.n_branches) + branch_offset
    table = branch_metrics(boutons, ids, pop.length_um)
    rows = {"branch_id": ids.astype(np.int64), "length_um": pop.length_um * 1.0,
            "mg_i": np.asarray(mg_branch_mM, dtype=float), "setpoint": pop.setpoint * 1.0,
            "n_anatomical": np.bincount(pop.branch_id, minlength=pop.n_branches)}
    for col in ("D", "mean_pr", "sum_pr", "sum_pr_burst", "stf", "capacity_bits", "G",
                "G_burst"):
        rows[col] = np.asarray(table[col], dtype=float)
    rows.update(extra or {})
    return rows


#: Units of the non-standard columns written by the assay experiments.
EXTRA_UNITS = {
    "/boutons/wca_2b": "a.u.", "/boutons/wca_burst_2b": "a.u.",
    "/boutons/wca_nmda": "a.u.", "/boutons/wca_burst_nmda": "a.u.",
    "/boutons/wca_charge": "a.u.", "/boutons/wca_burst_charge": "a.u.",
    "/boutons/wca_blocked": "a.u.", "/boutons/wca_burst_blocked": "a.u.",
    "/boutons/n_release_1ap_blocked": "count",
    "/boutons/q_nmda": "nS", "/boutons/n_rrp": "count", "/boutons/spine_volume": "1",
    "/boutons/active": "1", "/boutons/competence": "1",
    "/branches/setpoint": "1/(10 um)", "/branches/G": "nS/(10 um)",
    "/branches/G_burst": "nS/(10 um)", "/branches/n_anatomical": "count",
    "/branches/exhausted": "1", "/branches/setpoint_ratio": "1",
    "/branches/sum_pr_true_model": "1/(10 um)",
}


def units_for(boutons: dict, branches: dict, units: dict) -> dict:
    """The entries of ``units`` whose dataset exists in ``boutons`` / ``branches``."""
    have = {f"/boutons/{k}" for k in boutons} | {f"/branches/{k}" for k in branches}
    return {k: v for k, v in units.items() if k in have}


def assay_samples(pop: BranchPopulation, pr, params, glun2b_block: bool
                  ) -> tuple[list[AssaySample], dict]:
    """The sample (and its GluN2B-blocked twin) of one configuration, and its inputs."""
    inputs = assay_inputs(pop, params)
    mg_o = recording_mg_o(params)
    base = AssaySample(pr=pr, q=inputs["q"], mg_o=mg_o, n_rrp=inputs["n_rrp"],
                       q_nmda=inputs["q_nmda"])
    out = [base]
    if glun2b_block:
        out.append(AssaySample(pr=pr, q=inputs["q"], mg_o=mg_o, n_rrp=inputs["n_rrp"],
                               q_nmda=inputs["q_nmda"], glun2b_blocked=True))
    return out, inputs


def exhaustion_metrics(state: dict) -> dict:
    """Run metrics of the silent reserve (science.md §4 item 2)."""
    ex = np.asarray(state["exhausted"], bool)
    ratio = np.asarray(state["setpoint_ratio"], float)
    return {"exhausted_fraction": float(ex.mean()),
            "exhausted_setpoint_ratio": float(ratio[ex].mean()) if ex.any() else float("nan"),
            "setpoint_ratio_mean": float(ratio.mean())}


def run(cfg, progress=None):
    """Assay the equilibrated configuration of the condition; return RunData."""
    from mgnet.analysis.run_file import RunData
    p = cfg.params
    pop = population(cfg)
    mg_ref = float(p.magnesium.mg_i_ref / mM)
    st = equilibrium_state(pop, float(p.magnesium.mg_i / mM), mg_ref, p.release,
                           p.configuration)
    pr, mg_branch = st["pr"], st["mg_branch"]
    samples, inputs = assay_samples(pop, pr, p, cfg.options.glun2b_block)
    results = run_field_assay(pop.branch_id, samples, p, protocol=protocol_of(cfg.options),
                              seed=cfg.seed, device_name=cfg.options.device,
                              progress=progress)
    res = results[0]
    boutons = bouton_rows(pop, pr, st["mg_bouton"], inputs["q"], res, cfg.options.n_spikes,
                          inputs=inputs, blocked=results[1] if len(results) > 1 else None)
    branches = branch_rows(pop, boutons, mg_branch,
                           extra={"exhausted": st["exhausted"],
                                  "setpoint_ratio": st["setpoint_ratio"],
                                  "sum_pr_true_model": st["sum_pr_true"]})
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
        "recording_mg_o_mM": recording_mg_o(p),
        **exhaustion_metrics(st),
        "post_spikes_1ap": int(res["post_spikes_1ap"].sum()),
        "post_spikes_burst": int(res["post_spikes_burst"].sum()),
    }
    return RunData(attrs={}, spikes={}, boutons=boutons, branches=branches,
                   protocol=_protocol_phases(cfg.options), metrics=metrics,
                   units=units_for(boutons, branches, EXTRA_UNITS))


def _protocol_phases(opts) -> dict:
    times, t_switch, t_stop = protocol_of(opts).times()
    return {"one_ap": {"t_start": 0.0, "t_stop": t_switch, "plasticity": False},
            "burst": {"t_start": t_switch, "t_stop": t_stop, "plasticity": False}}


EXPERIMENT = Experiment(
    name=NAME, order=20, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    # Configuration targets T1-T9: median over 5 seeds (science.md T1), each seed at the
    # paper's sample size.
    reproduce=(Runs(("baseline", "elevated_mg"), (0, 1, 2, 3, 4)),))
