"""plasticity-presets: the pre-registered, Mg-independent tests that choose the default rule.

science.md §4 item 5 (and docs/plasticity.md §6): every published plasticity preset is run
through four tests, at the [Ca]o and [Mg]o at which it was fitted ("own") and at the
culture's medium ("culture": ``CalciumParams.ca_o``, baseline [Mg]o), with the network's
own Ca2+ model — the voltage-integrated NMDA Ca2+ of :mod:`mgnet.models.nmda_calcium` and
C_post scaled with [Ca]o (:func:`mgnet.models.plasticity.c_post_at`):

(a) the STDP window of hippocampal cultures (Bi & Poo 1998 J Neurosci 18:10464: 60
    pre-post pairings at 1 Hz; LTP for the postsynaptic spike 5-20 ms after the
    presynaptic one, LTD for 5-20 ms before);
(b) the triplets of Wang, Gerkin, Nauen & Bi (2005) Nat Neurosci 8:187 (60 at 1 Hz,
    intervals 5 and 10 ms): pre-post-pre gives no net change (depression cancels the
    potentiation before it), post-pre-post gives LTP (potentiation overrides);
(c) no lasting change from presynaptic-only or postsynaptic-only spikes: regular at
    1 Hz for 60 s, and Poisson at the culture's mean excitatory rate for 10 min;
(d) the rule's closed forms: the numpy twin of the contact code against Graupner &
    Brunel's time-above-threshold prediction (linear Ca2+; the Brian2 scheme against the
    same twin is tests/test_plasticity.py).

Beside them, for information (not part of the decision rule): the [Ca]o dependence that
Inglebert, Aljadeff, Brunel & Debanne (2020) PNAS 117:33639 measured in CA1 slices at
1.8 mM, the culture medium's [Ca]o: 100 pairings at 0.3 Hz give LTD both at +10 ms and
at -25 ms, and pairing at +10 ms with 3 postsynaptic spikes (at 100 Hz) gives LTP.

Outcome measures are Graupner & Brunel's: transition probabilities U (DOWN -> UP) and D
(UP -> DOWN) and the change in strength with the preset's (β, b), computed exactly from
the protocol's Ca2+ jumps (:func:`mgnet.models.plasticity.protocol_outcome`).  The same
machinery gives the trace-protection numbers of §4 item 5: the fraction of the way to its
fixed point that one spontaneous network burst moves a contact whose ends were not
co-stimulated, beside the fraction one encoding presentation moves a co-stimulated one
(burst statistics from the calibrated culture, models/culture_calibration.toml).
Stochastic parts (release, Poisson trains) are averaged over ``n_trials`` draws.

Nothing here involves a Mg2+ comparison: everything runs at the baseline [Mg]i/[Mg]o or
the preset's own bath, so the rule chosen from it cannot depend on the memory results.
The decision rule is in docs/plasticity.md §8 and is applied by :func:`choose_default`.

Run: ``mgnet run plasticity-presets``  (numpy only, about a minute)
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from brian2 import Hz, mM, ms, mV, second

from mgnet.models.parameters import PLASTICITY_PRESETS, MagnesiumParams, SpineCalciumParams, param
from mgnet.models.plasticity import (
    c_post_at,
    calcium_events,
    event_segments,
    linear_moments,
    protocol_outcome,
    stdp_prediction,
)

from .errors import ConfigError
from .experiment import Experiment, Runs

NAME = "plasticity-presets"
DESCRIPTION = "pre-registered tests (a)-(d) of every plasticity preset; trace protection"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "receptors", "spine_ca", "calcium", "neuron",
                  "culture")

_CAL = "models/culture_calibration.toml [achieved] (baseline culture, 2000 neurons)"


@dataclass(frozen=True)
class OPTIONS:
    """Options of plasticity-presets."""
    presets: tuple = param(tuple(PLASTICITY_PRESETS), "every preset of models/parameters.py",
                           doc="presets to test")
    n_pairs: int = param(60, "Bi & Poo (1998); Wang et al. (2005): 60 at 1 Hz", low=1,
                         high=1000, doc="pairings / triplets per protocol")
    pair_rate: object = param(1 * Hz, "Bi & Poo (1998)", low=0.01 * Hz, high=20 * Hz,
                              doc="pairing frequency")
    stdp_dt: tuple = param(tuple(v * ms for v in (-20.0, -10.0, -5.0, 5.0, 10.0, 20.0)),
                           "Bi & Poo (1998): windows of +-20 ms", low=-100 * ms,
                           high=100 * ms, doc="Delta t = t_post - t_pre of test (a)")
    triplet_dt: tuple = param((5 * ms, 10 * ms), "Wang et al. (2005): 5- and 10-ms "
                              "intervals", low=1 * ms, high=50 * ms,
                              doc="both intervals of each triplet of test (b)")
    background_rate: object = param(0.068 * Hz, "between-burst rate of the calibrated "
                                    "baseline culture (its background: the spikes outside "
                                    "network bursts), " + _CAL, low=0.001 * Hz,
                                    high=50 * Hz, doc="Poisson rate of test (c)'s long trains")
    mean_rate: object = param(1.29 * Hz, "mean excitatory rate of the calibrated baseline "
                              "culture, bursts included, " + _CAL, low=0.01 * Hz,
                              high=50 * Hz, doc="Poisson rate of the informative "
                                                "asynchronous trains (no bursts)")
    background_duration: object = param(600 * second, "this project: 10 minutes, the "
                                        "consolidation time scale of the memory runs",
                                        low=1 * second, high=36000 * second,
                                        doc="duration of test (c)'s Poisson trains")
    burst_rate: object = param(37.5 * Hz, "intra-burst rate of the calibrated culture, " + _CAL,
                               low=1 * Hz, high=300 * Hz, doc="pre and post rate in a burst")
    burst_duration: object = param(0.69 * second, "median burst duration, " + _CAL,
                                   low=10 * ms, high=10 * second, doc="network burst length")
    burst_v_sub: object = param(-55 * mV, "this project: a neuron firing at ~40 Hz spends the "
                                "interspike intervals between reset and threshold",
                                low=-90 * mV, high=-40 * mV,
                                doc="postsynaptic potential at releases during a burst")
    release_pr: float = param(0.2, "median Pr of functional boutons (Zhou et al. 2024 Fig 1c; "
                              "models/configuration.py at baseline)", low=0.01, high=1.0,
                              doc="U of the contact in the protection protocols")
    presentation: tuple = param((3, 5), "memory-encoding's presentation: 3 trains of 5 "
                                "pulses at 100 Hz, trains 200 ms apart", doc="(trains, pulses)")
    n_trials: int = param(100, "this project: enough draws for 2-digit moved fractions",
                          low=1, high=100000, doc="draws of the stochastic protocols")


SCALES = {"quick": {"n_trials": 10, "background_duration": 60 * second,
                    "presets": ("hippocampal_cultures", "DP")},
          "default": {}, "paper": {"n_trials": 1000}}


def check_options(opts) -> None:
    unknown = [p for p in opts.presets if p not in PLASTICITY_PRESETS]
    if unknown or not opts.presets:
        raise ConfigError(f"options.presets: unknown preset '{unknown[0] if unknown else ''}'; "
                          f"allowed: {', '.join(PLASTICITY_PRESETS)}")
    if len(opts.presentation) != 2 or min(int(x) for x in opts.presentation) < 1:
        raise ConfigError("options.presentation must be (trains, pulses), both >= 1")
    half = 0.5 / float(opts.pair_rate / Hz)
    if max(abs(float(d)) for d in opts.stdp_dt) * 2 >= half:
        raise ConfigError("options.stdp_dt: |Delta t| must stay well inside a pairing period")


# --------------------------------------------------------------------------------------
# Protocols (times in s)
# --------------------------------------------------------------------------------------
def _pairs(dt: float, n: int, f: float):
    pre = 0.5 + np.arange(n) / f
    return pre, pre + dt


def _triplet(kind: str, d: float, n: int, f: float):
    base = 0.5 + np.arange(n) / f
    if kind == "pre-post-pre":
        return np.concatenate([base, base + 2 * d]), base + d
    return base + d, np.concatenate([base, base + 2 * d])      # post-pre-post


def tm_releases(pre_times, U: float, rng, tau_f: float, tau_d: float) -> np.ndarray:
    """Stochastic single-site Tsodyks-Markram release (models/synapses.py STP_ON_PRE)."""
    u, avail, t_last = 0.0, 1.0, -1e9
    out = np.zeros(len(pre_times))
    for k, t in enumerate(pre_times):
        d = t - t_last
        u *= np.exp(-d / tau_f)
        if avail == 0 and rng.random() < 1 - np.exp(-d / tau_d):
            avail = 1.0
        u += U * (1 - u)
        out[k] = float(avail > 0 and rng.random() < u)
        avail -= out[k]
        t_last = t
    return out


def _presentation(trains: int, pulses: int, delay: float):
    """Pulse times of one encoding presentation; releases arrive after the synaptic
    delay, the postsynaptic spike is the stimulated pulse itself."""
    t = (np.arange(trains)[:, None] * 0.2 + np.arange(pulses)[None, :] * 0.01).ravel()
    return t + delay, t


# --------------------------------------------------------------------------------------
# Tests of one preset at one condition
# --------------------------------------------------------------------------------------
def _outcome(pre, post, p, cond, release=None, v_sub=None):
    t, a = calcium_events(pre, post, p, release=release, v_sub=v_sub, **cond)
    t_end = max([0.0] + [float(np.max(x)) for x in (pre, post) if len(x)]) + 1.0
    return protocol_outcome(t, a, p, t_end)


def _mean_drive(gen, p, cond, n_trials, rng, v_sub=None):
    """Trial-averaged Γ_p, Γ_d of a stochastic protocol -> (ρ̄, moved)."""
    gp = gd = 0.0
    for _ in range(n_trials):
        pre, post, rel = gen(rng)
        r = _outcome(pre, post, p, cond, release=rel, v_sub=v_sub)
        gp += p.gamma_p * r["time_above_p"] / n_trials
        gd += p.gamma_d * r["time_above_d"] / n_trials
    g = gp + gd
    return (gp / g if g > 0 else float("nan")), float(-np.expm1(-g / float(p.tau)))


def test_preset(p, cond: dict, opts, culture, rng) -> dict:
    """Every test and protection number of preset ``p`` at condition ``cond``."""
    n, f = int(opts.n_pairs), float(opts.pair_rate / Hz)
    out = {}
    for dt in opts.stdp_dt:
        d = float(dt / second)
        out[f"stdp_{d * 1e3:+g}ms"] = _outcome(*_pairs(d, n, f), p, cond)["change"]
    for d in opts.triplet_dt:
        dd = float(d / second)
        for kind in ("pre-post-pre", "post-pre-post"):
            out[f"{kind}_{dd * 1e3:g}ms"] = _outcome(*_triplet(kind, dd, n, f), p, cond)["change"]
    worst = 0.0
    regular = 0.5 + np.arange(int(round(60 * f))) / f
    T = float(opts.background_duration / second)
    r_bg = float(opts.background_rate / Hz)
    poisson = np.sort(rng.uniform(0, T, rng.poisson(r_bg * T)))
    for label, (pre, post) in {"pre_1hz": (regular, []), "post_1hz": ([], regular),
                               "pre_bg": (poisson, []), "post_bg": ([], poisson)}.items():
        r = _outcome(np.asarray(pre), np.asarray(post), p, cond)
        out[f"{label}_up"], out[f"{label}_down"] = r["up"], r["down"]
        worst = max(worst, r["up"], r["down"])
    out["background_worst_transition"] = worst
    # Informative: the culture's mean rate as asynchronous Poisson activity (no bursts, e.g.
    # a burst-quieted culture): post-only, and independent pre and post trains with
    # releases at release_pr.
    r_mean = float(opts.mean_rate / Hz)
    pre_m = np.sort(rng.uniform(0, T, rng.poisson(r_mean * T)))
    post_m = np.sort(rng.uniform(0, T, rng.poisson(r_mean * T)))
    r = _outcome(np.zeros(0), post_m, p, cond)
    out["post_mean_up"], out["post_mean_down"] = r["up"], r["down"]
    rel = (rng.random(len(pre_m)) < opts.release_pr).astype(float)
    r = _outcome(pre_m, post_m, p, cond, release=rel)
    out["async_up"], out["async_down"] = r["up"], r["down"]
    # (d) closed form: linear Ca2+, pairs -> the twin equals stdp_prediction's exact pulsed
    # linear mean (noise and cubic off).
    q = dataclasses.replace(p, noise=False, bistable=False)
    lin = dict(cond, spine_ca=SpineCalciumParams(bap_amplitude=0 * mV))
    err = 0.0
    for dt in (-0.01, 0.01):
        pre, post = _pairs(dt, n, f)
        t, a = calcium_events(pre, post, q, **lin)
        tops, lengths = event_segments(t, a, q.tau_ca, t_end=float(post[-1]) + 1.0)
        m, _ = linear_moments(tops, lengths, q, 0.5)
        c_pre = a[np.isclose(t, pre[0] + float(q.delay))][0]
        pred = stdp_prediction([dt], q, n_pairs=n, frequency=f, rho0=0.5, c_pre=c_pre)
        # the prediction holds C_post fixed at the preset's value: compare at that C_post
        if abs(c_post_at(q, cond.get("calcium")) - float(q.c_post)) < 1e-12:
            err = max(err, abs(float(m) - float(pred["rho_pulsed"][0])))
    out["closed_form_error"] = err
    # Inglebert et al. (2020) at 1.8 mM (informative).
    pre = 0.5 + np.arange(100) / 0.3
    out["inglebert_+10ms"] = _outcome(pre, pre + 0.010, p, cond)["change"]
    out["inglebert_-25ms"] = _outcome(pre, pre - 0.025, p, cond)["change"]
    burst3 = (pre[:, None] + 0.010 + np.arange(3)[None, :] * 0.01).ravel()
    out["inglebert_+10ms_3ap"] = _outcome(pre, burst3, p, cond)["change"]
    # Protection: a spontaneous network burst (pre and post Poisson at the intra-burst
    # rate, not co-stimulated) vs one encoding presentation (pre and post co-stimulated).
    tau_f, tau_d = float(culture.tau_f), float(culture.tau_d)
    delay = float(culture.delay)
    rate, dur = float(opts.burst_rate / Hz), float(opts.burst_duration / second)

    def burst(r):
        pre = np.sort(r.uniform(0, dur, r.poisson(rate * dur)))
        post = np.sort(r.uniform(0, dur, r.poisson(rate * dur)))
        return pre, post, tm_releases(pre, opts.release_pr, r, tau_f, tau_d)

    def present(r):
        pre, post = _presentation(int(opts.presentation[0]), int(opts.presentation[1]), delay)
        return pre, post, tm_releases(pre, opts.release_pr, r, tau_f, tau_d)

    nt = int(opts.n_trials)
    out["burst_rho_bar"], out["burst_moved"] = _mean_drive(burst, p, cond, nt, rng,
                                                          v_sub=opts.burst_v_sub)
    out["burst_rest_rho_bar"], out["burst_rest_moved"] = _mean_drive(burst, p, cond, nt, rng)
    out["encoding_rho_bar"], out["encoding_moved"] = _mean_drive(present, p, cond, nt, rng)
    return out


def _ms(d) -> str:
    return f"{float(d / second) * 1e3:g}"


def sign_tests(res: dict, opts) -> dict:
    """The individual sign tests of (a) and (b): {name: passed}.

    (a) change > 1.02 (LTP) for Δt > 0 and < 0.98 (LTD) for Δt < 0; (b) pre-post-pre within
    ±0.1 of no change, post-pre-post ≥ 1.1 (LTP), at each interval."""
    out = {}
    for d in opts.stdp_dt:
        v = res[f"stdp_{float(d / second) * 1e3:+g}ms"]
        out[f"a_{float(d / second) * 1e3:+g}ms"] = bool(v > 1.02 if float(d) > 0 else v < 0.98)
    for d in opts.triplet_dt:
        out[f"b_pre-post-pre_{_ms(d)}ms"] = bool(abs(res[f"pre-post-pre_{_ms(d)}ms"] - 1) <= 0.1)
        out[f"b_post-pre-post_{_ms(d)}ms"] = bool(res[f"post-pre-post_{_ms(d)}ms"] >= 1.1)
    return out


#: The pass criteria (docs/plasticity.md §6).
def verdicts(res: dict, opts) -> dict:
    """Pass/fail of (a), (b), (c), (d) and of the protection test for one result row."""
    signs = sign_tests(res, opts)
    a = all(v for k, v in signs.items() if k.startswith("a_"))
    b = all(v for k, v in signs.items() if k.startswith("b_"))
    c = res["background_worst_transition"] < 0.05
    c_1hz = max(res[f"{k}_1hz_{x}"] for k in ("pre", "post") for x in ("up", "down")) < 0.05
    ing = (res["inglebert_+10ms"] < 0.98 and res["inglebert_-25ms"] < 0.98
           and res["inglebert_+10ms_3ap"] > 1.02)
    d = res["closed_form_error"] < 1e-6
    enc = res["encoding_moved"]
    prot = enc > 0 and max(res["burst_moved"], res["burst_rest_moved"]) < 0.2 * enc
    return {"a": bool(a), "b": bool(b), "c": bool(c), "d": bool(d), "protection": bool(prot),
            "inglebert": bool(ing), "c_1hz": bool(c_1hz),
            "signs_correct": int(sum(signs.values())), "signs_total": len(signs)}


#: Presets fitted to plasticity data, closest to the modelled preparation first; the
#: Table S1 sets of Graupner & Brunel (2012) illustrate STDP-curve shapes (their Fig. 2)
#: and fit no experiment.
FITTED = ("hippocampal_cultures", "hippocampal_slices", "li_2016", "cortical_slices")
SYNTHETIC = ("DP", "DPD", "DPD_prime", "P", "D", "D_prime")


def choose_default(table: dict) -> tuple[str | None, str]:
    """The pre-registered decision rule (docs/plasticity.md §8) on ``{preset: {"culture":
    verdicts, "own": verdicts}}``; only the culture's medium decides:

    1. the first preset (FITTED, then SYNTHETIC order) that passes (a)-(d);
    2. else the presets that pass (d) and (c) are candidates; fitted sets before synthetic
       ones; among them the most sign tests of (a) and (b) right; ties go to the
       preparation closest to a hippocampal culture (FITTED order).
    """
    order = [n for n in FITTED + SYNTHETIC if n in table] + \
        [n for n in table if n not in FITTED + SYNTHETIC]
    for name in order:
        if all(table[name]["culture"][k] for k in "abcd"):
            return name, "passes (a)-(d) at the culture's [Ca]o"
    ok = [n for n in order if table[n]["culture"]["d"] and table[n]["culture"]["c"]]
    if not ok:
        return None, "no preset passes (c) and (d) at the culture's [Ca]o"
    fitted = [n for n in ok if n in FITTED]
    pool = fitted or ok
    best = max(pool, key=lambda n: (table[n]["culture"]["signs_correct"], -order.index(n)))
    v = table[best]["culture"]
    kind = "fitted presets" if fitted else "presets (no fitted one passes (c) and (d))"
    return best, (f"no preset passes (a)-(d) at the culture's [Ca]o; fallback: of the {kind} "
                  f"passing (c) and (d), most sign tests of (a)+(b) right "
                  f"({v['signs_correct']}/{v['signs_total']})")


def run(cfg, progress=None):
    """Run the tests of every preset at its own and at the culture's condition; RunData."""
    from mgnet.analysis.run_file import RunData
    opts = cfg.options
    p_model = cfg.params
    culture = p_model.culture
    rng = np.random.default_rng(np.random.SeedSequence([int(cfg.seed), 0x707265]))
    metrics, table = {}, {}
    base = dict(receptors=p_model.receptors, spine_ca=p_model.spine_ca,
                block=p_model.mg_block, neuron=p_model.neuron)
    for k, name in enumerate(opts.presets):
        if progress:
            progress(f"preset {name}", k / len(opts.presets))
        p = PLASTICITY_PRESETS[name]
        conds = {"own": dict(base, calcium=dataclasses.replace(p_model.calcium, ca_o=p.ref_ca_o),
                             magnesium=MagnesiumParams(mg_o=p.ref_mg_o,
                                                       mg_i=p_model.magnesium.mg_i)),
                 "culture": dict(base, calcium=p_model.calcium, magnesium=p_model.magnesium)}
        table[name] = {}
        for label, cond in conds.items():
            res = test_preset(p, cond, opts, culture, rng)
            ver = verdicts(res, opts)
            table[name][label] = ver
            for key, v in res.items():
                metrics[f"{name}__{label}__{key}"] = float(v)
            for key, v in ver.items():
                metrics[f"{name}__{label}__pass_{key}"] = v if isinstance(v, int) and \
                    not isinstance(v, bool) else bool(v)
    chosen, why = choose_default(table)
    metrics["rule_choice"] = chosen or "none"
    metrics["rule_choice_reason"] = why
    metrics["presets"] = ",".join(opts.presets)
    metrics["ca_o_culture_mM"] = float(p_model.calcium.ca_o / mM)
    metrics["mg_o_culture_mM"] = float(p_model.magnesium.mg_o / mM)
    return RunData(attrs={}, spikes={}, metrics=metrics,
                   protocol={"closed_forms": {"t_start": 0.0, "t_stop": 0.0,
                                              "plasticity": True}})


EXPERIMENT = Experiment(
    name=NAME, order=50, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    # The pre-registered plasticity tests that choose the default rule (numpy only).
    reproduce=(Runs(("baseline",), (0,)),))
