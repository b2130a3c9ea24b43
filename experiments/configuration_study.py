"""Fast numpy study of the bouton assays (T1-T9 statistics without Brian2).

The virtual assay of :mod:`mgnet.experiments.bouton_assay` draws every bouton's releases from
the readily-releasable-pool model of :mod:`mgnet.models.release_pool`; this module draws the
same releases with that module's numpy reference implementation
(:func:`mgnet.models.release_pool.simulate_pool`, checked against the Brian2 code in
``tests/test_release_pool.py``) and builds the same run-file tables, so the
configuration statistics of many seeds and parameter variants take seconds.  What it
leaves out: the postsynaptic membrane potential.  Spine Ca2+ is the NMDA Ca2+ of each
release at the resting potential (block at the recording [Mg]o, no bAPs), so T7's
exponent and GluN2B share here are estimates of the Brian2 numbers, not the numbers.

It is a study tool, not an experiment: the report's numbers come from the Brian2 runs.

Run: ``python -m mgnet.experiments.configuration_study [--seeds 0-4] [--n-branches 160]
[--set configuration.setpoint_cv=0.1 ...] [--recalibrate]``
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
from brian2 import mM, mV, nS

from mgnet.models.assay import AssayProtocol
from mgnet.models.configuration import equilibrium_state, sample_branches
from mgnet.models.magnesium import nmda_block
from mgnet.models.parameters import ModelParams, condition, with_overrides
from mgnet.models.release_pool import simulate_pool, vesicle_probability
from mgnet.models.synapses import contact_namespace

from . import bouton_assay as ba

if TYPE_CHECKING:                      # annotations only
    from mgnet.analysis.run_file import RunData

__all__ = ["numpy_assay", "condition_run", "dose_run", "study", "calibrated_overrides",
           "median_rows", "main"]


def numpy_assay(pop, pr, params, seed: int, protocol: AssayProtocol | None = None,
                glun2b_blocked: bool = False) -> dict:
    """The result dict of :func:`mgnet.models.assay.run_field_assay` for one sample, from the
    numpy pool model (releases exact in distribution; spine Ca2+ at rest, no bAPs)."""
    protocol = protocol or AssayProtocol()
    inputs = ba.assay_inputs(pop, params)
    times, t_switch, _ = protocol.times()
    pool, stp = params.release_pool, params.stp
    n = inputs["n_rrp"]
    rel = simulate_pool(vesicle_probability(pr, n), n, times, tau_f=float(stp.tau_f),
                        k0=1.0 / float(stp.tau_d), kmax=max(float(pool.k_rec_max),
                                                            1.0 / float(stp.tau_d)),
                        kd=float(pool.k_rec_kd), tau_ca=float(pool.tau_rec_ca),
                        facilitation=pool.facilitation, s1=float(pool.facilitation_s1),
                        rng=np.random.default_rng([seed, 17]))[0]
    one = times < t_switch
    n1 = rel[one].sum(axis=0).astype(np.int64)
    nb = rel[~one].sum(axis=0).astype(np.int64)
    rec = params.receptors
    ns = contact_namespace(params.stp, rec, params.spine_ca)
    block = float(nmda_block(params.neuron.e_l, ba.recording_mg_o(params) * mM,
                             params.mg_block))
    v_ref, e_nmda, v_rest = (float(params.spine_ca.v_ref / mV), float(rec.e_nmda / mV),
                             float(params.neuron.e_l / mV))
    q_ref = float(ns["q_nmda_ref"] / nS)
    drive = (params.spine_ca.ca_nmda_unblocked * inputs["q_nmda"] / q_ref * block
             * (e_nmda - v_rest) / (e_nmda - v_ref))
    f = 0.0 if glun2b_blocked else rec.glun2b_fraction
    scale = (1 - rec.glun2b_fraction) if glun2b_blocked else 1.0
    ca_2a = drive * scale * (1 - f)
    ca_2b = drive * scale * f * ns["kappa_2b"] * ns["w_2b_ca"]
    out = {"n_release_1ap": n1, "n_release_burst": nb, "post_spikes_1ap": np.zeros(pop.n_branches),
           "post_spikes_burst": np.zeros(pop.n_branches)}
    for key, cnt in (("", n1), ("_burst", nb)):
        out[f"wca{key}_2b"] = cnt * ca_2b
        out[f"wca{key}_nmda"] = cnt * (ca_2a + ca_2b)
        out[f"wca{key}_bap"] = np.zeros(pop.n_boutons)
        out[f"wca{key}"] = out[f"wca{key}_nmda"]
    return out


def condition_run(params: ModelParams, cond: str, seed: int, n_branches: int,
                  glun2b_block: bool = True):
    """In-memory RunData of the bouton-assay experiment for one condition (numpy)."""
    from mgnet.analysis.run_file import RunData
    pop = sample_branches(n_branches, params.configuration, rng=seed)
    st = equilibrium_state(pop, float(params.magnesium.mg_i / mM),
                           float(params.magnesium.mg_i_ref / mM), params.release,
                           params.configuration)
    res = numpy_assay(pop, st["pr"], params, seed)
    blocked = numpy_assay(pop, st["pr"], params, seed, glun2b_blocked=True) \
        if glun2b_block else None
    inputs = ba.assay_inputs(pop, params)
    boutons = ba.bouton_rows(pop, st["pr"], st["mg_bouton"], inputs["q"], res, 30,
                             inputs=inputs, blocked=blocked)
    branches = ba.branch_rows(pop, boutons, st["mg_branch"],
                              extra={"exhausted": st["exhausted"],
                                     "setpoint_ratio": st["setpoint_ratio"]})
    return RunData(attrs={"condition": cond, "seed": seed, "experiment": ba.NAME,
                          "run_id": f"{cond}_seed{seed}_numpy"},
                   boutons=boutons, branches=branches,
                   metrics={**ba.exhaustion_metrics(st)})


def dose_run(params: ModelParams, seed: int, n_branches: int, levels_mM) -> RunData:
    """In-memory RunData of the mg-dose-response experiment (numpy): branch groups at
    ``levels_mM`` (the first is the baseline condition's [Mg]i), measured Pr and measured
    [Mg]i exactly as :func:`mgnet.experiments.mg_dose_response.run` builds them."""
    from mgnet.analysis.run_file import RunData

    from . import mg_dose_response as md
    pop = sample_branches(n_branches, params.configuration, rng=seed)
    levels = np.asarray(levels_mM, dtype=float)
    st = md.group_states(pop, levels, params)
    res = numpy_assay(pop, st["pr"], params, seed)
    inputs = ba.assay_inputs(pop, params)
    boutons = ba.bouton_rows(pop, st["pr"], st["mg_bouton"], inputs["q"], res, 30,
                             inputs=inputs)
    md.add_measured_mg(boutons, pop, levels, st, params, seed)
    branches = ba.branch_rows(pop, boutons, st["mg_branch"],
                              extra={"mg_level": levels[st["group"]],
                                     "mg_group": st["group"].astype(np.int64),
                                     "exhausted": st["exhausted"]})
    return RunData(attrs={"condition": "baseline", "seed": seed, "experiment": md.NAME,
                          "run_id": f"dose_seed{seed}_numpy"},
                   boutons=boutons, branches=branches,
                   metrics={"exhausted_fraction": float(st["exhausted"].mean())})


def calibrated_overrides(overrides: dict, n_branches: int = 1000, verbose=False) -> dict:
    """Re-run the T6 calibration (in memory) with ``overrides`` applied; return the
    overrides plus the calibrated set-point median, density and elevated [Mg]i."""
    import mgnet.experiments.calibrate as cal

    from .calibrate import T6Evaluator, calibrate_t6  # noqa: F401
    base = with_overrides(ModelParams(), overrides)
    orig = cal.T6Evaluator.__init__

    def patched(self, *a, **kw):
        kw.setdefault("config", base.configuration)
        kw.setdefault("release", base.release)
        orig(self, *a, **kw)
    cal.T6Evaluator.__init__ = patched
    try:
        r = cal.calibrate_t6(n_branches=n_branches, write=False, verbose=verbose)
    finally:
        cal.T6Evaluator.__init__ = orig
    out = {k: dict(v) for k, v in overrides.items()}
    out.setdefault("configuration", {}).update(setpoint_median=r["setpoint_median"],
                                               anatomical_density=r["anatomical_density"])
    out["_elevated_mg_i_mM"] = r["elevated_mg_i_mM"]
    out["_calibration"] = r
    return out


def study(seeds=range(5), n_branches: int = 160, overrides: dict | None = None,
          conditions=("baseline", "elevated_mg"), dose_branches: int | None = 120
          ) -> dict[str, Any]:
    """T1-T9 rows per seed (configuration_report on in-memory numpy runs).

    ``overrides`` may carry ``_elevated_mg_i_mM`` (from :func:`calibrated_overrides`)
    to replace the elevated [Mg]i of the presets.  ``dose_branches`` (the mg-dose-response
    default scale; None: no T3) branches are split into the baseline and elevated [Mg]i
    groups for T3.
    """
    from mgnet.analysis import configuration_report as cr
    overrides = dict(overrides or {})
    mg_elev = overrides.pop("_elevated_mg_i_mM", None)
    overrides.pop("_calibration", None)
    per_seed = []
    for seed in seeds:
        runs, params = [], {}
        for cond in conditions:
            p = with_overrides(condition(cond), overrides)
            if mg_elev is not None and cond != "baseline":
                p = with_overrides(p, {"magnesium": {"mg_i": mg_elev * mM}})
            params[cond] = p
            runs.append(condition_run(p, cond, seed, n_branches))
        dose = None
        if dose_branches and "baseline" in params and "elevated_mg" in params:
            levels = [float(params[c].magnesium.mg_i / mM) for c in ("baseline", "elevated_mg")]
            dose = dose_run(params["baseline"], seed, dose_branches, levels)
        per_seed.append({"rows": cr.configuration_targets(runs, dose), "runs": runs,
                         "dose": dose})
    return {"per_seed": per_seed}


def median_rows(result: dict) -> list[dict]:
    """The report's rows over the seeds of :func:`study` (median and range per value,
    judged by the report's rules: :func:`mgnet.analysis.configuration_report.aggregate_rows`)."""
    from mgnet.analysis import configuration_report as cr
    return cr.aggregate_rows([s["rows"] for s in result["per_seed"]])


def _parse_set(items) -> dict:
    from .config import parse_quantity
    out: dict[str, dict] = {}
    for item in items or []:
        key, value = item.split("=", 1)
        section, name = key.split(".", 1)
        try:
            v: Any = float(value)
        except ValueError:
            v = parse_quantity(value)
        out.setdefault(section, {})[name] = v
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mgnet.experiments.configuration_study",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--n-branches", type=int, default=160)
    ap.add_argument("--set", action="append", default=[],
                    help="section.name=value override (e.g. configuration.setpoint_cv=0.1)")
    ap.add_argument("--dose-branches", type=int, default=120,
                    help="branches of the numpy mg-dose-response twin (T3); 0: none")
    ap.add_argument("--recalibrate", action="store_true",
                    help="re-run the T6 calibration with the overrides first")
    args = ap.parse_args(argv)
    a, _, b = args.seeds.partition("-")
    seeds = range(int(a), int(b or a) + 1)
    overrides = _parse_set(args.set)
    if args.recalibrate:
        overrides = calibrated_overrides(overrides)
        c = overrides["_calibration"]
        print(f"calibration: setpoint_median {c['setpoint_median']}, density "
              f"{c['anatomical_density']}, elevated [Mg]i {c['elevated_mg_i']} (T6 root "
              f"{c['t6_root_mg_i']}, {c['exhausted_at_t6_root']:.1%} exhausted there)")
    res = study(seeds, args.n_branches, overrides, dose_branches=args.dose_branches or None)
    for tid in ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"):
        for k, s in enumerate(res["per_seed"]):
            row = {r["id"]: r for r in s["rows"]}[tid]
            print(f"seed {seeds[k]} {tid} [{row['reproduced']}] {row['model'][:400]}")
    if len(seeds) > 1:
        print(f"median over seeds {seeds[0]}-{seeds[-1]}:")
        for row in median_rows(res):
            print(f"  {row['id']} [{row['reproduced']}] {row['model'][:600]}")
    ex = [float(np.mean(r.metrics["exhausted_fraction"])) for s in res["per_seed"]
          for r in s["runs"]]
    print(f"exhausted fraction per run: {', '.join(f'{x:.3f}' for x in ex)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
