"""culture-activity: spontaneous network bursts of the culture at one condition.

Reproduces the culture statistics of science.md §4 item 7 (network-burst rate 1-30 per
minute, inter-burst-interval CV 0.3-1, burst duration 0.1-2 s, > 80 % of spikes in
bursts, between-burst rate < 1 Hz, intra-burst rates of tens of Hz; Wagenaar, Pine &
Potter 2006 BMC Neurosci 7:11; Brewer et al. 2009; Masquelier & Deco 2013 PLoS ONE
8:e75824).  The baseline network is calibrated once to these bands
(``mgnet calibrate-culture``, experiments/calibrate_culture.py); every other condition
(elevated_mg, the ablations, aged, aged_elevated_mg) is a validation, not tuned.

The culture of :mod:`mgnet.models.culture` (E/I AdEx neurons, random connectivity with
several contacts per connection, excitatory Pr from the bouton configuration at the
condition's [Mg]i, NMDA block at [Mg]o, Tsodyks–Markram depression/facilitation, slow
adaptation, Poisson background) runs for ``duration`` without stimulation.  Network
bursts are detected on the combined E+I population with
:func:`mgnet.analysis.bursts.detect_network_bursts` (default detector settings) after a
``warmup`` that removes the start-up transient; :func:`mgnet.analysis.bursts.burst_statistics`
and :func:`mgnet.analysis.bursts.check_bands` go to ``/metrics``, the detected bursts to
``/bursts/*`` and the spikes to ``/spikes/exc`` and ``/spikes/inh`` (SONATA layout,
node ids within each population).

Device: ``cpp_standalone`` (default) compiles one project per structure (size, seed,
connectivity parameters) into the cache (``$MGNET_CACHE``) and re-runs it for every
condition with ``run_args`` ([Mg]o, Pr and q per contact, background, b_slow), so a
sweep over conditions recompiles only once per seed; ``runtime`` uses Cython.

Run: ``mgnet run culture-activity --condition baseline --seed 0``
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import mM, second

from mgnet.models import parameters as _parameters
from mgnet.models.parameters import CultureParams, param

from .errors import ConfigError
from .experiment import CULTURE_CONDITIONS, Experiment, Runs, network_run_fields

NAME = "culture-activity"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "release", "receptors", "spine_ca", "calcium", "neuron",
                  "configuration", "plasticity", "culture")
DESCRIPTION = "spontaneous network bursts of the culture vs culture bands (science.md §4.7)"


@dataclass(frozen=True)
class OPTIONS:
    """Run options.  The network's values are parameters: ``[params.culture]``
    (:class:`mgnet.models.parameters.CultureParams`)."""
    n_neurons: int = param(2000, "convention: a small dissociated culture / MEA field; "
                           "sizes 200-20000 supported", low=10, high=200000,
                           doc="number of neurons")
    duration: object = param(125 * second, "science.md §4 item 7: culture statistics over "
                             ">= 120 s (analysed after the 5 s warm-up)", low=1 * second,
                             high=3600 * second, doc="simulated time")
    warmup: object = param(5 * second, "this project: the first seconds (all adaptation at "
                           "zero) are excluded from the burst statistics", low=0 * second,
                           high=600 * second, doc="start of the analysed window")
    device: str = param("cpp_standalone", "design.md §5: compile once per structure, rerun "
                        "conditions with run_args", choices=("cpp_standalone", "runtime"),
                        doc="Brian2 device")
    save_synapses: bool = param(False, "design.md §4 /synapses/<pathway>/ (large: ~1e6 "
                                "contacts at 2000 neurons)",
                                doc="write pre, post, contact, pr of every contact")
    plastic: bool = param(False, "issue 13: the culture bands must hold with plasticity on "
                          "(docs/plasticity.md)", doc="E->E contacts carry the plasticity "
                          "rule [params.plasticity]; bands are also given for the first "
                          "and the last band_window of the run")
    band_window: object = param(120 * second, "science.md §4 item 7: statistics over "
                                ">= 120 s", low=10 * second, high=3600 * second,
                                doc="window of the start/end bands of a plastic run")


SCALES = {"quick": {"n_neurons": 400, "duration": 10 * second, "warmup": 1 * second,
                    "device": "runtime"},
          "default": {},
          "paper": {"duration": 600 * second}}


def check_options(opts) -> None:
    """Cross-field checks."""
    if opts.warmup >= opts.duration:
        raise ConfigError("options.warmup must be shorter than options.duration")
    if opts.plastic and opts.warmup + opts.band_window > opts.duration:
        raise ConfigError("options.band_window does not fit after the warm-up")


def culture_params(cfg) -> CultureParams:
    """The culture network of a config (its ``[params.culture]``)."""
    return cfg.params.culture


def combined_spikes(spikes: dict, n_exc: int) -> tuple[np.ndarray, np.ndarray]:
    """E and I spikes as one population (inhibitory ids offset by ``n_exc``)."""
    te, ie = spikes["exc"]
    ti, ii = spikes["inh"]
    return (np.concatenate([te, ti]),
            np.concatenate([np.asarray(ie, np.int64), np.asarray(ii, np.int64) + n_exc]))


def analyse(spikes: dict, n_exc: int, n_inh: int, t_start: float, t_stop: float) -> dict:
    """Burst detection and statistics on the combined population, plus the band check.

    Returns
    -------
    dict
        ``bursts`` (structured array), ``stats`` (burst_statistics) and ``bands``
        (check_bands).
    """
    from mgnet.analysis.bursts import burst_statistics, check_bands, detect_network_bursts
    t, i = combined_spikes(spikes, n_exc)
    n = n_exc + n_inh
    bursts = detect_network_bursts(t, i, n, t_start, t_stop)
    stats = burst_statistics(t, i, n, t_start, t_stop, bursts)
    return {"bursts": bursts, "stats": stats, "bands": check_bands(stats)}


def metrics_from(result: dict, analysis: dict, t_start: float, t_stop: float) -> dict:
    """Flat /metrics dictionary of one simulated condition."""
    m = {}
    for k, v in analysis["stats"].items():
        m[k] = int(v) if k == "n_bursts" else float(v)
    ok_all = True
    for name, (_value, _low, _high, ok) in analysis["bands"].items():
        m[f"band_{name}_ok"] = bool(ok)
        ok_all &= ok
    m["bands_ok"] = int(sum(b[3] for b in analysis["bands"].values()))
    m["bands_total"] = len(analysis["bands"])
    m["all_bands_ok"] = bool(ok_all)
    dur = t_stop - t_start
    for pop in ("exc", "inh"):
        t, _ = result["spikes"][pop]
        n = result[f"n_{pop}"]
        m[f"rate_{pop}_hz"] = float(np.sum((t >= t_start) & (t < t_stop)) / (n * dur))
    m["n_exc"], m["n_inh"] = int(result["n_exc"]), int(result["n_inh"])
    for name, n in result["n_contacts"].items():
        m[f"n_contacts_{name}"] = int(n)
    m["connection_probability"] = float(result["connection_probability"])
    ee = result["values"]["ee"]
    m["silent_fraction_ee"] = float(np.mean(ee.pr == 0))
    m["mean_pr_ee_active"] = float(ee.pr[ee.pr > 0].mean()) if np.any(ee.pr > 0) else \
        float("nan")
    m["mean_q_ee_nS"] = float(ee.q_nS.mean())
    m["analysis_t_start_s"], m["analysis_t_stop_s"] = float(t_start), float(t_stop)
    tm = result["timing"]
    m["build_s"], m["compile_s"], m["run_s"] = (float(tm["build_s"]), float(tm["compile_s"]),
                                                float(tm["run_s"]))
    m["wall_per_sim_s"] = float(tm["run_s"] / t_stop)
    return m


def run(cfg, progress=None):
    """Simulate spontaneous activity at the configured condition; return RunData."""
    (data,) = run_group([cfg], progress)
    return data


def run_group(cfgs, progress=None):
    """Several conditions on one structure: one build, one ``run_args`` rerun each.

    ``cfgs`` share seed and options (they differ in the condition); yields each
    condition's RunData as soon as it is simulated.
    """
    from mgnet.models.culture import iter_culture
    opts, seed = cfgs[0].options, cfgs[0].seed
    if any(c.options != opts or c.seed != seed for c in cfgs[1:]):
        raise ValueError("run_group needs configs with equal options and seed")
    samples = [(c.params, culture_params(c)) for c in cfgs]
    if opts.plastic and any(repr(c.params.plasticity) != repr(cfgs[0].params.plasticity)
                            for c in cfgs[1:]):
        raise ValueError("run_group needs configs with one plasticity rule")
    results = iter_culture(opts.n_neurons, samples, seed=seed, duration=opts.duration,
                           device_name=opts.device, progress=progress,
                           plasticity=cfgs[0].params.plasticity if opts.plastic else None)
    for cfg, res in zip(cfgs, results, strict=True):
        yield _run_data(cfg, res)


def _run_data(cfg, res):
    from mgnet.analysis.run_file import RunData
    opts = cfg.options
    p = cfg.params
    culture = culture_params(cfg)
    t_start, t_stop = float(opts.warmup / second), float(opts.duration / second)
    ana = analyse(res["spikes"], res["n_exc"], res["n_inh"], t_start, t_stop)
    metrics = metrics_from(res, ana, t_start, t_stop)
    arrays_extra, units_extra = {}, {}
    if opts.plastic:
        w = float(opts.band_window / second)
        for label, (a, b) in (("start", (t_start, t_start + w)), ("end", (t_stop - w, t_stop))):
            sub = metrics_from(res, analyse(res["spikes"], res["n_exc"], res["n_inh"], a, b),
                               a, b)
            for k in [k for k in sub if k.startswith("band_") or k in (
                    "bands_ok", "all_bands_ok", "burst_rate_per_min", "ibi_cv",
                    "duration_median_s", "fraction_spikes_in_bursts",
                    "between_burst_rate_hz", "intra_burst_rate_hz", "rate_exc_hz")]:
                metrics[f"{label}_{k}"] = sub[k]
        rho = res["rho_final"]
        metrics["plasticity_preset"] = p.plasticity.preset
        metrics["rho_final_up_fraction"] = float(np.mean(rho > 0.5))
        metrics["rho_final_mean"] = float(np.mean(rho))
        arrays_extra["/plastic/rho_final"] = np.asarray(rho, float)
        units_extra["/plastic/rho_final"] = "1"
    metrics.update({"mg_o_mM": float(p.magnesium.mg_o / mM),
                    "mg_i_mM": float(p.magnesium.mg_i / mM),
                    "culture_calibrated": bool(_parameters.CULTURE_CALIBRATED),
                    "n_spikes_exc": int(len(res["spikes"]["exc"][0])),
                    "n_spikes_inh": int(len(res["spikes"]["inh"][0]))})
    b = ana["bursts"]
    arrays = {"/bursts/start": np.asarray(b["start"], float),
              "/bursts/stop": np.asarray(b["stop"], float),
              "/bursts/n_spikes": np.asarray(b["n_spikes"], np.int64),
              "/bursts/n_neurons_participating": np.asarray(b["n_neurons_participating"],
                                                            np.int64),
              "/bursts/peak_rate": np.asarray(b["peak_rate"], float)}
    units = {"/bursts/start": "s", "/bursts/stop": "s", "/bursts/n_spikes": "count",
             "/bursts/n_neurons_participating": "count", "/bursts/peak_rate": "Hz"}
    synapses = {}
    if opts.save_synapses:
        from mgnet.models.culture import culture_structure
        st = culture_structure(opts.n_neurons, culture, p.configuration, seed=cfg.seed,
                               e_l=p.neuron.e_l)
        for name, pw in st.pathways.items():
            synapses[name] = {"pre": pw.pre.astype(np.int64), "post": pw.post.astype(np.int64),
                              "contact": pw.contact.astype(np.int64),
                              "pr": np.asarray(res["values"][name].pr, float)}
    return RunData(**network_run_fields(opts.device, res["spikes"]), synapses=synapses,
                   protocol={"spontaneous": {"t_start": 0.0, "t_stop": t_stop,
                                             "plasticity": bool(opts.plastic)}},
                   metrics=metrics, arrays={**arrays, **arrays_extra},
                   units={**units, **units_extra})


EXPERIMENT = Experiment(
    name=NAME, order=70, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options, run_group=run_group,
    # Culture validation (science.md §4 item 7, §5): >= 120 s; the calibrated baseline
    # at 5 seeds, every other condition on seed 0 (one build; a 2000-neuron run costs
    # ~3.3 CPU-minutes, and the paired Mg comparisons are the memory runs' 10 seeds);
    # the report's culture-band table is computed from these run files.
    reproduce=(Runs(CULTURE_CONDITIONS[:1], (0, 1, 2, 3, 4)),
               Runs(CULTURE_CONDITIONS[1:], (0,))),
    # seed 0 (6 conditions) 14 min, seeds 1-4 2.5 min each (idle 2-core machine,
    # 2026-11-27)
    task_minutes=14.0, quick_trim=True)
