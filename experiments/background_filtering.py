"""background-filtering: [Mg]o filters NMDA Ca2+ of uncorrelated background activity.

Tests the mechanism of Slutsky et al. (2004) Neuron 44:835 in the culture network
(science.md §1, §4 items 1 and 6; T10 premise): raising [Mg]o from 0.8 to 1.2 mM should
cut NMDA Ca2+ influx during weakly depolarised, uncorrelated background activity much
more than during strongly depolarised, correlated network bursts; the Jahr–Stevens
block alone predicts -32 % at -70 mV.  Over hours the lower chronic load raises the
GluN2B fraction (:mod:`mgnet.models.metaplasticity`).

Method: the culture (:mod:`mgnet.models.culture`) runs spontaneously; every E->E release adds
its NMDA Ca2+ (integrated through the postsynaptic voltage, :mod:`mgnet.models.nmda_calcium`),
and every postsynaptic spike the excess its bAP gives the receptors still open, to the
postsynaptic neuron's accumulator, which is sampled every ``bin`` together with the number
of releases.  Bins inside
detected network bursts (:mod:`mgnet.analysis.bursts`) are "correlated", bins at least
``margin`` away from any burst are "background".  NMDA Ca2+ per release in each class
is compared between conditions on the same structure and random stream (paired), with
bootstrap 95 % CIs over neurons.  Then the GluN2B fraction is relaxed for ``hours``
with alternating network measurements and closed-form slow steps, starting from the
baseline steady state (L_half = the baseline culture's mean chronic load).

Run: ``mgnet run background-filtering --scale quick``
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from brian2 import StateMonitor, mM, ms, second

from mgnet.models.metaplasticity import LOAD_NEURON_EQS, LOAD_ON_POST, relax_glun2b
from mgnet.models.parameters import condition as condition_params
from mgnet.models.parameters import param, with_overrides

from .experiment import Experiment, Runs

NAME = "background-filtering"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "release", "receptors", "spine_ca", "calcium", "neuron",
                  "configuration", "culture", "metaplasticity")
DESCRIPTION = "NMDA Ca2+ in background vs bursts at [Mg]o 0.8 / 1.2 mM; GluN2B after hours"

#: Counts every E->E release and its NMDA Ca2+ on the postsynaptic neuron.
LOAD_ON_PRE = """
nmda_ca_load_post += ca_2a + ca_2b
n_nmda_release_post += release
bf_ratio_post += release*(1 + mg_o_post/K_mg*exp(-gamma_mg*v_ca))/(1 + bf_mg_cmp/K_mg*exp(-gamma_mg*v_ca))
"""
COUNT_EQS = """
n_nmda_release : 1     # E->E releases received since reset
bf_ratio : 1           # sum over releases of B(V, mg_cmp)/B(V, [Mg]o) at the release's V
"""


@dataclass(frozen=True)
class OPTIONS:
    """Options of background-filtering."""
    n_neurons: int = param(2000, "issue: default culture size 2000", low=50, high=20000,
                           doc="neurons in the culture")
    duration: object = param(60 * second, "long enough for several network bursts",
                             low=1 * second, high=3600 * second,
                             doc="simulated time per condition")
    bin: object = param(50 * ms, "resolution of the load samples", low=1 * ms,
                        high=1 * second, doc="sampling bin of the NMDA Ca2+ accumulators")
    margin: object = param(200 * ms, "excludes burst onsets/tails from background",
                           low=0 * ms, high=5 * second,
                           doc="distance of background bins from any burst")
    compare: tuple = param(("elevated_mg_o_only", "elevated_mg"), "science.md §5 ablation "
                           "presets", doc="conditions compared with the run's condition")
    hours: float = param(24.0, "Slutsky et al. (2004): NR2B up-regulation over hours",
                         low=0.0, high=240.0, doc="slow time covered by the GluN2B relaxation")
    slow_steps: int = param(3, "fast/slow alternation steps", low=1, high=100,
                            doc="network measurements during the slow relaxation")
    device: str = param("cpp_standalone", "design.md §5",
                        choices=("cpp_standalone", "runtime"), doc="Brian2 device")


SCALES = {"quick": {"n_neurons": 300, "duration": 10 * second, "slow_steps": 2},
          "default": {"n_neurons": 2000, "duration": 60 * second},
          "paper": {"n_neurons": 2000, "duration": 300 * second, "slow_steps": 6}}


def check_options(opts) -> None:
    from mgnet.models.parameters import CONDITIONS

    from .config import ConfigError
    for c in opts.compare:
        if c not in CONDITIONS:
            raise ConfigError(f"options.compare: unknown condition '{c}'; allowed: "
                              f"{', '.join(CONDITIONS)}")
    if float(opts.bin) * 4 > float(opts.duration):
        raise ConfigError("options.bin must be much shorter than options.duration")


class _Runner:
    """One culture structure, rerun at several conditions / GluN2B fractions."""

    def __init__(self, cfg, progress):
        # The simulation session (mgnet.models.backend); closed by close(), or here if the
        # build fails, so that a standalone device never stays selected.
        self.session = None
        try:
            self._build(cfg, progress)
        except BaseException:
            self.close()
            raise

    def _build(self, cfg, progress):
        from mgnet.models.backend import simulation_session
        from mgnet.models.culture import build_culture, culture_structure, structural_signature
        self.cfg, self.progress = cfg, progress
        self.opts = cfg.options
        self.culture = cfg.params.culture
        self.device = self.opts.device
        # The NMDA Ca2+ of each release and the excess each postsynaptic spike adds to the
        # receptors it finds open (models/nmda_calcium.py) both count.
        # The block's own prediction at the potentials the releases actually meet: the
        # ratio B(V, [Mg]o of the comparison)/B(V, [Mg]o) summed over releases.
        mg_cmp = max(float(condition_params(c).magnesium.mg_o / mM) for c in self.opts.compare)
        blocks = {"extra_on_pre": LOAD_ON_PRE, "extra_on_post": LOAD_ON_POST,
                  "neuron_eqs": LOAD_NEURON_EQS + COUNT_EQS,
                  "extra_namespace": {"bf_mg_cmp": mg_cmp * mM}}
        self.mg_cmp = mg_cmp
        p = cfg.params
        structure = culture_structure(self.opts.n_neurons, self.culture, p.configuration,
                                      seed=cfg.seed, e_l=p.neuron.e_l)
        # The conditions and GluN2B fractions reach the project through run_args; the
        # options (sizes, times, the comparison's [Mg]o in the code) and seed do not.
        signature = (tuple(np.asarray(a, dtype=np.int64) for a in structure.key_arrays()),
                     structural_signature(p, self.culture),
                     repr(dataclasses.replace(self.opts, device="-")), int(cfg.seed))
        self.session = simulation_session(self.device, "bgfilter", signature, seed=cfg.seed)
        self.session.__enter__()
        self.directory = self.session.directory
        self.cult = build_culture(self.opts.n_neurons, p, self.culture, seed=cfg.seed,
                                  structure=structure, plastic_blocks=blocks)
        self.mon = StateMonitor(self.cult.exc, ["nmda_ca_load", "n_nmda_release", "bf_ratio"],
                                record=True, dt=self.opts.bin, name="load_monitor")
        self.cult.net.add(self.mon)
        self.session.prepare(self.cult.net, self._simulate, progress=progress)

    def _simulate(self):
        self.cult.net.run(self.opts.duration, namespace={})

    def run(self, params, f_2b=None) -> dict:
        over = {} if f_2b is None else {f"{self.cult.exc.name}.f_2b":
                                        np.asarray(f_2b, dtype=float)}
        self.session.run(self.cult.run_args(params, self.culture, overrides=over),
                         self._simulate)
        self.cult.check_finite()
        return {"spikes": self.cult.spike_data(),
                "load": np.array(self.mon.nmda_ca_load),       # neurons x samples
                "releases": np.array(self.mon.n_nmda_release),
                "ratio": np.array(self.mon.bf_ratio),
                "t": np.array(self.mon.t / second)}

    def close(self):
        if self.session is not None:
            self.session.close()


def classify_bins(t_samples, bursts, margin_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks over sample intervals (k-1, k]: inside a burst / background."""
    t0, t1 = t_samples[:-1], t_samples[1:]
    mid = (t0 + t1) / 2
    in_burst = np.zeros(len(mid), dtype=bool)
    near = np.zeros(len(mid), dtype=bool)
    for b in bursts:
        start, stop = float(b["start"]), float(b["stop"])
        in_burst |= (mid >= start) & (mid <= stop)
        near |= (t1 >= start - margin_s) & (t0 <= stop + margin_s)
    return in_burst, ~near


def per_release_ca(sample: dict, in_burst, background) -> tuple[np.ndarray, np.ndarray]:
    """Per neuron NMDA Ca2+ per release in burst and background intervals (NaN if none)."""
    dl = np.diff(sample["load"], axis=1)
    dr = np.diff(sample["releases"], axis=1)
    out = []
    for mask in (in_burst, background):
        ca, rel = dl[:, mask].sum(axis=1), dr[:, mask].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.where(rel > 0, ca / rel, np.nan))
    return out[0], out[1]


def _simulate_conditions(runner, conds, params, f0, progress) -> dict:
    """One simulation per condition at its GluN2B fractions ``f0[c]``: condition -> the
    runner's samples."""
    samples = {}
    for n, c in enumerate(conds):
        if progress:
            progress(f"condition {c}", n / (len(conds) + 2))
        samples[c] = runner.run(params[c], f_2b=f0[c])
    return samples


def _filtering(c: str, sample: dict, n_exc: int, opts, mg_cmp: float, metrics: dict,
               arrays: dict, units: dict) -> None:
    """Condition ``c``: its network bursts, NMDA Ca2+ per release in burst and background
    bins, and the block's prediction at the potentials the releases met (added to
    ``metrics``, ``arrays`` and ``units``)."""
    from mgnet.analysis.bursts import burst_statistics, detect_network_bursts
    dur = float(opts.duration)
    times, ids = sample["spikes"]["exc"]
    bursts = detect_network_bursts(times, ids, n_exc, 0.0, dur)
    stats = burst_statistics(times, ids, n_exc, 0.0, dur, bursts)
    in_b, bg = classify_bins(sample["t"], bursts, float(opts.margin))
    ca_b, ca_bg = per_release_ca(sample, in_b, bg)
    for k in ("n_bursts", "burst_rate_per_min", "fraction_spikes_in_bursts"):
        metrics[f"{c}_{k}"] = float(stats[k])
    metrics[f"{c}_ca_per_release_burst"] = float(np.nanmean(ca_b))
    metrics[f"{c}_ca_per_release_background"] = float(np.nanmean(ca_bg))
    metrics[f"{c}_background_fraction_of_time"] = float(bg.mean())
    # The block alone at the potentials the releases met (isolated releases at a
    # constant V): B(V, mg_cmp)/B(V, [Mg]o) averaged over the releases of each class.
    dq = np.diff(sample["ratio"], axis=1)
    dr = np.diff(sample["releases"], axis=1)
    for cls, mask in (("burst", in_b), ("background", bg)):
        n_rel = float(dr[:, mask].sum())
        metrics[f"{c}_block_prediction_visited_{cls}"] = (
            float(dq[:, mask].sum()) / n_rel - 1 if n_rel > 0 else float("nan"))
    metrics[f"{c}_block_prediction_mg_cmp_mM"] = mg_cmp
    arrays[f"/filtering/{c}/ca_per_release_burst"] = ca_b
    arrays[f"/filtering/{c}/ca_per_release_background"] = ca_bg
    units[f"/filtering/{c}/ca_per_release_burst"] = "a.u."
    units[f"/filtering/{c}/ca_per_release_background"] = "a.u."


def comparison_params(cfg, conds) -> dict:
    """Parameters of every compared condition: the run's own resolved ones, and for the
    others their preset with the config's ``[params]`` overrides (a value the user sets is
    used in every condition of the comparison, not only in the run's own)."""
    return {c: (cfg.params if c == cfg.condition
                else with_overrides(condition_params(c), cfg.param_overrides))
            for c in conds}


def _relax_glun2b(runner, samples: dict, conds, params, f0, opts, progress, metrics: dict,
                  arrays: dict, units: dict) -> None:
    """Slow GluN2B relaxation of every condition from the baseline steady state
    (:func:`mgnet.models.metaplasticity.relax_glun2b`; added to ``metrics``, ``arrays``
    and ``units``)."""
    dur = float(opts.duration)
    load_base = np.diff(samples[conds[0]]["load"][:, [0, -1]], axis=1)[:, 0] / dur
    load_half = float(np.mean(load_base))
    metrics["load_half"] = load_half
    slow = {}
    relax_conds = conds if load_half > 0 else []
    if not relax_conds:
        metrics["glun2b_note"] = ("no E->E NMDA Ca2+ load at baseline (silent culture): "
                                  "GluN2B relaxation not computed")
    for n, c in enumerate(relax_conds):
        if progress:
            progress(f"GluN2B relaxation {c}", (len(conds) + n / len(conds))
                     / (len(conds) + 2))

        def measure(f, c=c):
            # The first step starts at f0[c]: the comparison run above.
            s = samples[c] if np.array_equal(f, f0[c]) else runner.run(params[c], f_2b=f)
            return (s["load"][:, -1] - s["load"][:, 0]) / dur
        out = relax_glun2b(measure, f0[c], load_half, opts.hours * 3600.0,
                           opts.slow_steps, params[c].metaplasticity)
        slow[c] = out
        metrics[f"{c}_glun2b_after_hours"] = float(out["f_mean"][-1])
        arrays[f"/glun2b/{c}/f_mean"] = out["f_mean"]
        arrays[f"/glun2b/{c}/load_mean"] = out["load_mean"]
        units[f"/glun2b/{c}/f_mean"] = "1"
        units[f"/glun2b/{c}/load_mean"] = "a.u./s"
    if slow:
        arrays["/glun2b/times_h"] = slow[conds[0]]["times_s"] / 3600.0
        units["/glun2b/times_h"] = "h"


def _block_at_rest(conds, params, block, metrics: dict) -> None:
    """The block's prediction at rest for every compared condition against the run's own
    (added to ``metrics``)."""
    from brian2 import mV

    from mgnet.models.magnesium import nmda_block
    for c in conds[1:]:
        b0 = float(nmda_block(-70 * mV, params[conds[0]].magnesium.mg_o, block))
        b1 = float(nmda_block(-70 * mV, params[c].magnesium.mg_o, block))
        # What the block alone predicts for the NMDA Ca2+ at rest (-70 mV).
        metrics[f"{c}_block_prediction_minus70mV"] = b1 / b0 - 1


def run(cfg, progress=None):
    """Run the comparison and the GluN2B relaxation; RunData."""
    from mgnet.analysis.run_file import RunData
    opts = cfg.options
    conds = [cfg.condition] + [c for c in opts.compare if c != cfg.condition]
    params = comparison_params(cfg, conds)
    runner = _Runner(cfg, progress)
    try:
        n_exc = runner.cult.structure.n_exc
        # Each condition at its own GluN2B fraction: this run is also the first
        # measurement of the GluN2B relaxation below (same network, fractions and
        # random stream), which reuses it instead of simulating it again.
        f0 = {c: np.full(n_exc, float(params[c].receptors.glun2b_fraction)) for c in conds}
        samples = _simulate_conditions(runner, conds, params, f0, progress)
        # Burst windows from the run's own condition classify every condition's bins
        # (same structure and random stream); each condition's own bursts are also
        # reported.
        dur = float(opts.duration)
        metrics, arrays, units = {}, {}, {}
        for c in conds:
            _filtering(c, samples[c], n_exc, opts, runner.mg_cmp, metrics, arrays, units)
        # Slow GluN2B relaxation from the baseline steady state.
        _relax_glun2b(runner, samples, conds, params, f0, opts, progress, metrics, arrays,
                      units)
        spikes = {}
        for c in conds:
            for pop, (t, i) in samples[c]["spikes"].items():
                spikes[f"{pop}_{c}"] = (t, i)
        _block_at_rest(conds, params, cfg.params.mg_block, metrics)
        metrics["conditions"] = ",".join(conds)
        metrics["hours"] = float(opts.hours)
        return RunData(attrs={}, spikes=spikes, metrics=metrics, arrays=arrays, units=units,
                       protocol={"spontaneous": {"t_start": 0.0, "t_stop": dur,
                                                 "plasticity": False}})
    finally:
        runner.close()


EXPERIMENT = Experiment(
    name=NAME, order=80, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    reproduce=(Runs(("baseline",), (0,)),),
    # one task of 12 serial runs of the 2000-neuron culture (2026-11-27)
    task_minutes=30.0)
