"""Trace protection by synaptic tagging and capture (STC), measured (issue 13 item 5).

A numpy study (not a registered experiment) with the same stimuli as the protection test
of ``plasticity-presets`` (docs/plasticity.md §8–§9) and the STC model of
:mod:`mgnet.models.tagging_capture` (Li, Kulvicius & Tetzlaff 2016; Luboeinski & Tetzlaff
2021), with the early phase driven either by the published linear Ca²⁺ (their parameters)
or by the project's voltage-integrated NMDA Ca²⁺ at the culture's medium
(:func:`mgnet.models.plasticity.calcium_events`, a project preset's thresholds and rates).

Stimuli (as plasticity-presets):
* a spontaneous network burst: pre and post independent Poisson at the calibrated culture's
  intra-burst rate (37.5 Hz) for its median burst duration (0.69 s); with the project's
  Ca²⁺, releases by the contact's stochastic depleting release at Pr 0.2 and the
  postsynaptic potential at −55 mV between spikes (the published model has no release
  failures: every presynaptic spike gives C_pre);
* an encoding presentation: 3 trains of 5 pulses at 100 Hz, 200 ms apart, pre and post
  together (releases after the culture's synaptic delay).

Measured:
1. one event: the fraction of the way to its fixed point that one burst moves the early
   phase h of a contact whose ends were not co-stimulated, and one presentation that of a
   co-stimulated contact (the event's affine map h → a h + b, noise off: moved = 1 − a);
   then the late phase z and the total weight w = h + h0 z after a capture window (1 h, no
   further activity) following one burst given to all inputs of a neuron, or one
   presentation given to a neuron's in-assembly inputs (its other inputs see its spikes);
2. the memory horizon: neurons with ``k_inputs`` inputs each, a fraction
   ``assembly_fraction`` of presynaptic and of postsynaptic neurons in the assembly;
   5 presentations 3 s apart (no ignited bursts, the §9 best case), then network bursts
   at the culture's rate (7/min, gamma inter-burst intervals with CV 0.4); Δ(in-assembly −
   other contacts) of mean h, z and w over time, mean ± SD over draws.

Each contact's Ca²⁺ regime sequence in an event is drawn from a library of
``library_size`` independent draws of that event (per stimulus type and condition).

Run: ``python -m mgnet.experiments.stc_protection [--draws 5] [--hours 2] [--quick]``;
writes results/stc/stc_protection.json (numbers in docs/plasticity.md §9).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
from brian2 import mV, second

from mgnet.models import tagging_capture as tc
from mgnet.models.parameters import PLASTICITY_PRESETS, CultureParams, ModelParams

#: Culture statistics (models/culture_calibration.toml [achieved], as plasticity-presets).
BURST_RATE = 37.5          # Hz, intra-burst rate
BURST_DURATION = 0.69      # s, median burst duration
BURST_V_SUB = -55.0        # mV, postsynaptic potential between spikes in a burst
BURSTS_PER_MIN = 7.0       # calibrated culture: 7.5/min in the first 2 minutes (§9)
IBI_CV = 0.4               # science.md §4 item 7 band; calibrated 0.32-0.4
RELEASE_PR = 0.2           # median Pr (plasticity-presets release_pr)
PRESENTATION = (3, 5)      # trains, pulses at 100 Hz, trains 200 ms apart
K_INPUTS = 160             # E inputs per neuron (1600 E, p_c 0.1 in Luboeinski & Tetzlaff
                           # 2021; docs/plasticity.md §9's ~160)
ASSEMBLY_FRACTION = 0.1    # memory-encoding assembly_fraction (science.md §6: ~10 %)
WINDOW = 1.0               # s, event window (0.69-s burst or 0.44-s presentation
                           # plus the Ca2+ tail: below θ_d within ~0.1 s)
CONDITIONS = ("lt2021_network", "li_2016_synapse", "project:hippocampal_cultures",
              "project:li_2016",
              # a capture fast enough to catch the encoding (docs/plasticity.md §9's
              # argument): protein and late phase with τ 10 s instead of 1 h
              "li_2016_synapse|tau_z=10|tau_p=10",
              "project:hippocampal_cultures|tau_z=10|tau_p=10")


def _presentation_times(delay: float):
    t = (np.arange(PRESENTATION[0])[:, None] * 0.2
         + np.arange(PRESENTATION[1])[None, :] * 0.01).ravel()
    return t + delay, t


class Condition:
    """Ca²⁺ source and STC parameters of one condition."""

    def __init__(self, name: str):
        """``name``: an STC preset, or ``project:<plasticity preset>``, optionally followed
        by ``|tau_z=10|tau_p=10`` (seconds) or other STCParams overrides (floats)."""
        self.name = name
        self.model = ModelParams()
        self.culture = CultureParams()
        base, *over = name.split("|")
        if base.startswith("project:"):
            self.preset = PLASTICITY_PRESETS[base.split(":", 1)[1]]
            self.P = tc.stc_from_plasticity(self.preset)
            self.tau_ca = float(self.preset.tau_ca / second)
        else:
            self.preset = None
            self.P = tc.stc_preset(base)
            self.tau_ca = float(self.P.tau_ca / second)
        for item in over:
            key, val = item.split("=")
            v = float(val) * second if key.startswith("tau_") else float(val)
            self.P = dataclasses.replace(self.P, **{key: v})

    def jumps(self, pre, post, rng, v_sub=None):
        if self.preset is None:
            return tc.linear_calcium_events(pre, post, self.P)
        from mgnet.experiments.plasticity_presets import tm_releases
        from mgnet.models.plasticity import calcium_events
        m = self.model
        rel = tm_releases(pre, RELEASE_PR, rng, float(self.culture.tau_f),
                          float(self.culture.tau_d)) if len(pre) else np.zeros(0)
        return calcium_events(pre, post, self.preset, release=rel,
                              v_sub=None if v_sub is None else v_sub * mV,
                              receptors=m.receptors, spine_ca=m.spine_ca, block=m.mg_block,
                              neuron=m.neuron, calcium=m.calcium, magnesium=m.magnesium)

    def library(self, kind: str, n: int, rng, dt: float):
        """Event maps (A, B, V) of ``n`` draws of ``kind`` events
        (:func:`mgnet.models.tagging_capture.event_coefficients`) and the mean time above
        θ_d and θ_p per event (s)."""
        steps = int(round(WINDOW / dt))
        out = np.zeros((n, steps), np.int8)
        delay = float(self.culture.delay)
        for i in range(n):
            v_sub = None
            if kind == "burst":
                pre = np.sort(rng.uniform(0, BURST_DURATION, rng.poisson(BURST_RATE * BURST_DURATION)))
                post = np.sort(rng.uniform(0, BURST_DURATION, rng.poisson(BURST_RATE * BURST_DURATION)))
                v_sub = BURST_V_SUB
            else:
                pre, post = _presentation_times(delay)
                if kind == "post_only":
                    pre = np.zeros(0)
                elif kind == "pre_only":
                    post = np.zeros(0)
            t, a = self.jumps(pre, post, rng, v_sub)
            out[i] = tc.regimes(tc.calcium_on_grid(t, a, self.tau_ca, dt, steps), self.P)
        coeffs = tc.event_coefficients(out, self.P, dt)
        return coeffs, {"above_theta_d": float(np.mean(out >= 1) * WINDOW),
                        "above_theta_p": float(np.mean(out >= 2) * WINDOW)}


def _cat(*libs):
    """Concatenate event-map libraries (A, B, V)."""
    return tuple(np.concatenate([lib[i] for lib in libs]) for i in range(3))


def single_event(cond: Condition, libs: dict, rng, dt: float, n_neurons: int,
                 capture: float = 3600.0) -> dict:
    """Early-phase moved fractions and late-phase change after one event (see module doc)."""
    P, h0 = cond.P, float(cond.P.h0 / mV)
    out = {}
    for kind in ("burst", "presentation"):
        a, b, _ = libs[kind]
        moved = 1 - a
        out[f"{kind}_h_moved"] = float(np.mean(moved))
        ok = moved > 1e-12
        out[f"{kind}_h_fixed_point_over_h0"] = (float(np.mean(b[ok] / moved[ok]) / h0)
                                                if np.any(ok) else float("nan"))
    # late phase: a neuron population; "burst": every input gets a burst;
    # "presentation": the in-assembly inputs get the presentation, the others post-only.
    k_a = int(round(ASSEMBLY_FRACTION * K_INPUTS))
    for kind in ("burst", "presentation"):
        post = np.repeat(np.arange(n_neurons), K_INPUTS)
        s = tc.STCState.fresh(P, post)
        if kind == "burst":
            lib = libs["burst"]
            idx = rng.integers(0, len(lib[0]), len(post))
            measured = np.ones(len(post), bool)
        else:
            measured = np.tile(np.arange(K_INPUTS) < k_a, n_neurons)
            lib = _cat(libs["presentation"], libs["post_only"])
            n_p = len(libs["presentation"][0])
            idx = np.where(measured, rng.integers(0, n_p, len(post)),
                           n_p + rng.integers(0, len(libs["post_only"][0]), len(post)))
        tc.apply_event(s, P, lib, idx, WINDOW, rng)
        h_after = s.h.copy()
        protein = float(np.mean(s.p > 1e-12))        # synthesis triggered by the event
        tagged = np.abs(h_after - h0) >= P.theta_tag * h0
        tc.advance(s, P, capture, dt_slow=5.0, rng=rng)
        w = s.weight(P)
        out[f"{kind}_tagged_fraction"] = float(np.mean(tagged[measured]))
        out[f"{kind}_protein_fraction"] = protein
        out[f"{kind}_dh_mean_mV"] = float(np.mean(h_after[measured] - h0))
        out[f"{kind}_dh_abs_mV"] = float(np.mean(np.abs(h_after[measured] - h0)))
        out[f"{kind}_dz_mean"] = float(np.mean(s.z[measured]))
        out[f"{kind}_dz_abs"] = float(np.mean(np.abs(s.z[measured])))
        out[f"{kind}_dw_capture_over_h0"] = float(np.mean(w[measured] - h0) / h0)
        out[f"{kind}_dw_abs_capture_over_h0"] = float(np.mean(np.abs(w[measured] - h0)) / h0)
    e, bm = out["presentation_h_moved"], out["burst_h_moved"]
    out["early_protection"] = bool(e > 0 and bm < 0.2 * e)
    ez, bz = out["presentation_dz_abs"], out["burst_dz_abs"]
    out["late_protection"] = bool(ez > 0 and bz < 0.2 * ez)
    return out


def memory_horizon(cond: Condition, libs: dict, rng, dt: float, n_a: int, n_o: int,
                   hours: float, record_every: float = 20.0, planted: bool = False) -> dict:
    """Encode (5 presentations 3 s apart), then bursts; Δ(in-assembly − other) over time.

    ``planted``: instead of the presentations, the best case for capture: in-assembly
    contacts start at the early phase's potentiation fixed point (tagged) and every neuron
    at steady protein synthesis (p = α, as a bursting culture keeps it, see the results)."""
    P, h0 = cond.P, float(cond.P.h0 / mV)
    k_a = int(round(ASSEMBLY_FRACTION * K_INPUTS))
    n = n_a + n_o
    post = np.repeat(np.arange(n), K_INPUTS)
    pre_in_a = np.tile(np.arange(K_INPUTS) < k_a, n)
    post_in_a = post < n_a
    in_asm = pre_in_a & post_in_a
    # encoding library per contact type
    nothing = (np.ones(1), np.zeros(1), np.zeros(1))    # no Ca2+: h decays (negligibly)
    enc_lib = _cat(libs["presentation"], libs["post_only"], libs["pre_only"], nothing)
    n1, n2, n3 = (len(libs[k][0]) for k in ("presentation", "post_only", "pre_only"))
    s = tc.STCState.fresh(P, post)
    rec = {"t": [], "dh": [], "dz": [], "dw": [], "h_in": [], "h_other": [], "z_in": [],
           "z_other": [], "tagged_other": [], "protein": []}

    def record(st):
        w = st.weight(P)
        rec["t"].append(st.t)
        rec["dh"].append(float(st.h[in_asm].mean() - st.h[~in_asm].mean()))
        rec["dz"].append(float(st.z[in_asm].mean() - st.z[~in_asm].mean()))
        rec["dw"].append(float(w[in_asm].mean() - w[~in_asm].mean()))
        rec["h_in"].append(float(st.h[in_asm].mean()))
        rec["h_other"].append(float(st.h[~in_asm].mean()))
        rec["z_in"].append(float(st.z[in_asm].mean()))
        rec["z_other"].append(float(st.z[~in_asm].mean()))
        rec["tagged_other"].append(float(np.mean(np.abs(st.h[~in_asm] - h0)
                                                 >= P.theta_tag * h0)))
        rec["protein"].append(float(st.p.mean()))

    if planted:
        C = tc._consts(P)
        s.h[in_asm] = C["target"][2]
        s.p[:] = P.alpha
    else:
        record(s)
    for k in range(0 if planted else 5):
        idx = np.where(in_asm, rng.integers(0, n1, len(post)),
                       np.where(post_in_a, n1 + rng.integers(0, n2, len(post)),
                                np.where(pre_in_a, n1 + n2 + rng.integers(0, n3, len(post)),
                                         n1 + n2 + n3)))
        tc.apply_event(s, P, enc_lib, idx, WINDOW, rng)
        if k < 4:
            tc.advance(s, P, 3.0 - WINDOW, dt_slow=0.5, rng=rng)
    t_enc = s.t
    record(s)
    end = t_enc + hours * 3600.0
    mean_ibi = 60.0 / BURSTS_PER_MIN
    shape = 1.0 / IBI_CV ** 2
    blib = libs["burst"]
    next_rec = s.t + record_every
    n_bursts = 0
    t_last = s.t
    while True:
        # burst onsets: gamma inter-burst intervals from onset to onset
        t_next = t_last + rng.gamma(shape, mean_ibi / shape)
        t_last = t_next
        if t_next > end:
            break
        while next_rec < t_next:
            tc.advance(s, P, next_rec - s.t, dt_slow=0.5, rng=rng)
            record(s)
            next_rec += record_every
        tc.advance(s, P, max(t_next - s.t, 0.0), dt_slow=0.5, rng=rng)
        idx = rng.integers(0, len(blib[0]), len(post))
        tc.apply_event(s, P, blib, idx, WINDOW, rng)
        n_bursts += 1
    tc.advance(s, P, end - s.t, dt_slow=0.5, rng=rng)
    record(s)
    out = {k: np.asarray(v) for k, v in rec.items()}
    out["t"] = out["t"] - t_enc
    out["n_bursts"] = n_bursts
    out["h0"] = h0
    return out


def run(conditions=CONDITIONS, draws: int = 5, hours: float = 2.0, library_size: int = 300,
        dt: float = 2e-4, n_a: int = 10, n_o: int = 10, seed: int = 0, progress=print) -> dict:
    res = {"meta": {"draws": draws, "hours": hours, "library_size": library_size, "dt": dt,
                    "n_assembly_neurons": n_a, "n_other_neurons": n_o, "k_inputs": K_INPUTS,
                    "assembly_fraction": ASSEMBLY_FRACTION, "burst_rate_hz": BURST_RATE,
                    "burst_duration_s": BURST_DURATION, "bursts_per_min": BURSTS_PER_MIN,
                    "ibi_cv": IBI_CV, "release_pr": RELEASE_PR, "window_s": WINDOW,
                    "seed": seed}, "conditions": {}}
    for ci, name in enumerate(conditions):
        t0 = time.time()
        cond = Condition(name)
        rng = np.random.default_rng(np.random.SeedSequence([seed, ci, 0x5c]))
        libs, times = {}, {}
        for k in ("burst", "presentation", "post_only", "pre_only"):
            libs[k], times[k] = cond.library(k, library_size, rng, dt)
        single = single_event(cond, libs, rng, dt, n_neurons=n_a)
        runs = [memory_horizon(cond, libs, rng, dt, n_a, n_o, hours) for _ in range(draws)]
        L = min(len(r["t"]) for r in runs)
        horizon = {"t_s": runs[0]["t"][:L].tolist()}
        for key in ("dh", "dz", "dw"):
            arr = np.array([r[key][:L] for r in runs])
            horizon[f"{key}_mean"] = arr.mean(0).tolist()
            horizon[f"{key}_sd"] = arr.std(0, ddof=1).tolist() if draws > 1 else [0.0] * L
        for key in ("h_in", "h_other", "z_in", "z_other", "tagged_other", "protein"):
            horizon[f"{key}_mean"] = np.mean([r[key][:L] for r in runs], 0).tolist()
        horizon["bursts"] = [int(r["n_bursts"]) for r in runs]
        pl = [memory_horizon(cond, libs, rng, dt, n_a, n_o, min(hours, 1.0), planted=True)
              for _ in range(max(2, draws // 2))]
        Lp = min(len(r["t"]) for r in pl)
        planted = {"t_s": pl[0]["t"][:Lp].tolist()}
        for key in ("dh", "dz", "dw"):
            arr = np.array([r[key][:Lp] for r in pl])
            planted[f"{key}_mean"] = arr.mean(0).tolist()
            planted[f"{key}_sd"] = arr.std(0, ddof=1).tolist()
        P = cond.P
        res["conditions"][name] = {
            "params": {f.name: (str(getattr(P, f.name))) for f in dataclasses.fields(P)},
            "single_event": single, "horizon": horizon, "planted": planted,
            "time_above_per_event_s": times}
        if progress:
            progress(f"{name}: {time.time() - t0:.0f} s; single {json.dumps(single)}")
    return res


def summary_at(res: dict, name: str, minutes, which: str = "horizon") -> list[dict]:
    """Δ(in-assembly − other) of h, z, w (mean ± SD over draws) at the given minutes."""
    hz = res["conditions"][name][which]
    t = np.asarray(hz["t_s"])
    out = []
    for m in minutes:
        i = int(np.argmin(np.abs(t - 60.0 * m)))
        out.append({"min": float(t[i] / 60.0),
                    **{f"{k}_{s}": float(hz[f"{k}_{s}"][i]) for k in ("dh", "dz", "dw")
                       for s in ("mean", "sd")}})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--library-size", type=int, default=300)
    ap.add_argument("--dt", type=float, default=2e-4, help="fine step in s")
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="results/stc/stc_protection.json")
    ap.add_argument("--quick", action="store_true", help="2 draws, 10 min, library 50")
    a = ap.parse_args(argv)
    if a.quick:
        a.draws, a.hours, a.library_size = 2, 1 / 6, 50
    res = run(tuple(a.conditions.split(",")), a.draws, a.hours, a.library_size, a.dt,
              seed=a.seed)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    for name in res["conditions"]:
        print(name)
        for row in summary_at(res, name, (0, 1, 10, 30, 60, 120)):
            print("  " + "  ".join(f"{k} {v:+.3f}" for k, v in row.items()))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
