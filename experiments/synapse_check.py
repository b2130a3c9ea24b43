"""synapse-check: one connection with several stochastic contacts, 1AP and burst protocols.

Demonstrates the whole path config -> Brian2 -> run file -> ``mgnet info`` and checks
the stochastic Tsodyks–Markram contacts against their closed forms on the virtual
FM-dye protocols of Zhou, Bi & Liu (2024) Nat Commun 15:3406 (Methods; science.md §2):
30 single spikes at 0.5 Hz, then the same 30 spikes as 6 trains of 5 at 100 Hz.

``n_connections`` independent connections (one presynaptic and one postsynaptic
neuron each, ``len(pr)`` contacts per connection with the listed release
probabilities) are simulated side by side.  Every contact is one row of ``/boutons``
(``branch_id`` = connection).  ``/metrics`` holds, per Pr level, the measured release
fraction, the Tsodyks–Markram expectation and the z-score of the difference.

Run: ``mgnet run synapse-check --scale quick``
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import (
    Hz,
    Network,
    SpikeGeneratorGroup,
    SpikeMonitor,
    StateMonitor,
    mM,
    ms,
    mV,
    nS,
    second,
)

from mgnet.models.neurons import make_neurons
from mgnet.models.parameters import param
from mgnet.models.protocols import burst_times, one_ap_times
from mgnet.models.synapses import make_contacts, tm_mean_release

from .errors import ConfigError
from .experiment import Experiment, Runs

NAME = "synapse-check"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "stp", "receptors", "spine_ca", "calcium", "neuron")
DESCRIPTION = "one connection with several stochastic contacts under the 1AP and burst protocols"


@dataclass(frozen=True)
class OPTIONS:
    """Options of synapse-check."""
    pr: tuple = param((0.05, 0.1, 0.2, 0.3, 0.5, 0.8), "demonstration values spanning the "
                      "Pr range of Zhou et al. (2024) Fig 1c", low=0.0, high=1.0,
                      doc="release probability of each contact of a connection")
    n_connections: int = param(20, "sample size", low=1, high=100000,
                               doc="independent connections simulated side by side")
    n_spikes: int = param(30, "Zhou et al. (2024) Methods: 30 APs", low=1, high=10000,
                          doc="spikes per protocol")
    one_ap_rate: object = param(0.5 * Hz, "Zhou et al. (2024) Methods: 0.5 Hz",
                                low=0.01 * Hz, high=10 * Hz, doc="rate of the 1AP protocol")
    burst_rate: object = param(100 * Hz, "Zhou et al. (2024) Methods: 100 Hz",
                               low=1 * Hz, high=500 * Hz, doc="rate within a burst")
    spikes_per_train: int = param(5, "Zhou et al. (2024) Methods: 5 spikes", low=1, high=100,
                                  doc="spikes per burst train")
    train_interval: object = param(4 * second, "science.md §2: trains >= 2 s apart",
                                   low=2 * second, high=60 * second,
                                   doc="onset-to-onset interval of burst trains")


SCALES = {"quick": {"n_connections": 5}, "default": {"n_connections": 20},
          "paper": {"n_connections": 200}}


def check_options(opts: OPTIONS) -> None:
    """Cross-field checks that the field metadata cannot express."""
    if len(opts.pr) == 0:
        raise ConfigError("options.pr: need at least one contact; allowed: a list of "
                          "values in [0, 1]")
    if opts.n_spikes % opts.spikes_per_train:
        raise ConfigError("options.n_spikes must be a multiple of options.spikes_per_train")


def _reporter(progress, stage, offset, span):
    """Brian2 report callback forwarding the fraction done to ``progress``."""
    if progress is None:
        return None

    def report(elapsed, completed, start, duration):
        progress(stage, offset + span * float(completed))
    return report


def _protocol_times(opts: OPTIONS):
    """Presynaptic spike times (s) of one connection: the 1AP protocol, then, after one
    train interval of rest, the burst protocol.  Returns ``(times, t_burst,
    burst_start)`` (``t_burst`` relative to ``burst_start``)."""
    n_trains = opts.n_spikes // opts.spikes_per_train
    t_1ap = one_ap_times(opts.n_spikes, opts.one_ap_rate)
    t_burst = burst_times(n_trains, opts.spikes_per_train, opts.burst_rate,
                          opts.train_interval)
    # The burst protocol starts after the 1AP protocol plus one train interval of rest.
    burst_start = t_1ap[-1] + opts.train_interval
    times = np.concatenate([np.asarray(t_1ap), np.asarray(t_burst + burst_start)])
    return times, t_burst, burst_start


def _build(p, n_conn: int, prs: np.ndarray, times: np.ndarray) -> dict:
    """The Brian2 objects: ``n_conn`` presynaptic generators replaying ``times``, as many
    postsynaptic neurons, ``len(prs)`` contacts per connection, the monitors and the
    network; ``i`` is the connection index of every contact."""
    n_per = len(prs)
    ids = np.repeat(np.arange(n_conn), len(times))
    all_times = np.tile(times, n_conn) * second

    pre = SpikeGeneratorGroup(n_conn, ids, all_times, name="presynaptic")
    post = make_neurons(n_conn, neuron=p.neuron, receptors=p.receptors, block=p.mg_block,
                        magnesium=p.magnesium, spine_ca=p.spine_ca, name="postsynaptic")
    i = np.repeat(np.arange(n_conn), n_per)
    contacts = make_contacts(pre, post, i, i, pr=np.tile(prs, n_conn), stp=p.stp,
                             receptors=p.receptors, spine_ca=p.spine_ca, block=p.mg_block,
                             calcium=p.calcium, neuron=p.neuron, magnesium=p.magnesium,
                             name="contacts")
    pre_mon = SpikeMonitor(pre, name="pre_spikes")
    post_mon = SpikeMonitor(post, name="post_spikes")
    v_mon = StateMonitor(post, "v", record=[0], dt=1 * ms, name="v_trace")
    net = Network(pre, post, contacts, pre_mon, post_mon, v_mon)
    return dict(i=i, contacts=contacts, pre_mon=pre_mon, post_mon=post_mon, v_mon=v_mon,
                net=net)


def _run_protocols(objs: dict, phase1_stop, phase2_stop, progress) -> dict:
    """Run the 1AP protocol, read and reset the contacts' counters, run the burst
    protocol; the counts of both (``n_1ap``, ``spikes_1ap``, ``wca_1ap``,
    ``wca_2b_1ap``, ``n_burst``, ``spikes_burst``, ``wca_burst``)."""
    net, contacts = objs["net"], objs["contacts"]
    if progress:
        progress("1AP protocol", 0.0)
    net.run(phase1_stop, namespace={}, report=_reporter(progress, "1AP protocol", 0.0, 0.5),
            report_period=10 * second)
    out = {"n_1ap": np.array(contacts.n_release[:]),
           "spikes_1ap": np.array(contacts.n_spikes[:]),
           "wca_1ap": np.array(contacts.wca_2a[:] + contacts.wca_2b[:] + contacts.wca_bap[:]),
           "wca_2b_1ap": np.array(contacts.wca_2b[:])}
    contacts.n_release = 0
    contacts.n_spikes = 0
    contacts.wca_2a = 0
    contacts.wca_2b = 0
    contacts.wca_bap = 0
    if progress:
        progress("burst protocol", 0.5)
    net.run(phase2_stop - phase1_stop, namespace={},
            report=_reporter(progress, "burst protocol", 0.5, 0.5), report_period=10 * second)
    out.update(n_burst=np.array(contacts.n_release[:]),
               spikes_burst=np.array(contacts.n_spikes[:]),
               wca_burst=np.array(contacts.wca_2a[:] + contacts.wca_2b[:]
                                  + contacts.wca_bap[:]))
    if progress:
        progress("done", 1.0)
    return out


def _release_metrics(opts: OPTIONS, p, prs: np.ndarray, pr_contact: np.ndarray,
                     n_1ap: np.ndarray, n_burst: np.ndarray) -> dict:
    """Per Pr level and protocol, the measured release fraction, its closed-form
    expectation and the z-score of the difference."""
    n_trains = opts.n_spikes // opts.spikes_per_train
    # Closed-form expectations (trial-averaged Tsodyks–Markram recursion).
    tau_f = float(p.stp.tau_f)
    tau_d = float(p.stp.tau_d)
    isi_1ap = np.full(opts.n_spikes - 1, float(1 / opts.one_ap_rate))
    isi_train = np.full(opts.spikes_per_train - 1, float(1 / opts.burst_rate))
    metrics = {}
    for u in prs:
        sel = np.isclose(pr_contact, u)
        exp_1ap = float(np.mean(tm_mean_release(u, isi_1ap, tau_f, tau_d)))
        # Trains are separated by >= 2 s; the recursion across trains is included.
        isi_burst = np.concatenate([np.concatenate([isi_train, [float(opts.train_interval
                                    - (opts.spikes_per_train - 1) / opts.burst_rate)]])
                                    for _ in range(n_trains)])[:-1]
        exp_burst = float(np.mean(tm_mean_release(u, isi_burst, tau_f, tau_d)))
        for label, counts, expected in (("1ap", n_1ap, exp_1ap), ("burst", n_burst, exp_burst)):
            n_trials = sel.sum() * opts.n_spikes
            measured = counts[sel].sum() / n_trials
            # Releases of one contact are correlated within a train (depletion); the
            # binomial sd is only a guide, the tests use proper bounds.
            sd = np.sqrt(max(expected * (1 - expected), 1e-12) / n_trials)
            metrics[f"pr{u:g}_{label}_measured"] = float(measured)
            metrics[f"pr{u:g}_{label}_expected"] = float(expected)
            metrics[f"pr{u:g}_{label}_z"] = float((measured - expected) / sd)
    return metrics


def run(cfg, progress=None):
    """Simulate and return an :class:`mgnet.analysis.run_file.RunData` (without provenance)."""
    from mgnet.analysis.run_file import RunData

    opts: OPTIONS = cfg.options
    p = cfg.params
    n_conn = opts.n_connections
    prs = np.asarray(opts.pr, dtype=float)
    n_per = len(prs)
    times, t_burst, burst_start = _protocol_times(opts)
    objs = _build(p, n_conn, prs, times)
    i, contacts = objs["i"], objs["contacts"]
    pre_mon, post_mon, v_mon = objs["pre_mon"], objs["post_mon"], objs["v_mon"]

    phase1_stop = float(burst_start) * second - opts.train_interval / 2
    phase2_stop = (float(burst_start + t_burst[-1]) + 1.0) * second
    c = _run_protocols(objs, phase1_stop, phase2_stop, progress)
    n_1ap, n_burst = c["n_1ap"], c["n_burst"]
    if np.any(c["spikes_1ap"] != opts.n_spikes) or np.any(c["spikes_burst"] != opts.n_spikes):
        raise RuntimeError("a contact did not receive every protocol spike")

    pr_contact = np.tile(prs, n_conn)
    boutons = {
        "branch_id": i.astype(np.int64),
        "pr_true": pr_contact,
        "mg_i": np.full(len(i), float(p.magnesium.mg_i / mM)),
        "n_release_1ap": n_1ap.astype(np.int64),
        "n_release_burst": n_burst.astype(np.int64),
        "pr_1ap": n_1ap / opts.n_spikes,
        "pr_burst": n_burst / opts.n_spikes,
        "q": np.asarray(contacts.q[:] / nS),
        "wca": c["wca_1ap"],
        "wca_burst": c["wca_burst"],
        "wca_2b": c["wca_2b_1ap"],
    }
    metrics = {"n_contacts": int(len(i)), "n_connections": int(n_conn),
               **_release_metrics(opts, p, prs, pr_contact, n_1ap, n_burst)}
    metrics["post_spikes"] = int(post_mon.num_spikes)
    t_stop = float(phase2_stop)
    return RunData(
        attrs={},
        spikes={"presynaptic": (np.asarray(pre_mon.t / second), np.asarray(pre_mon.i)),
                "postsynaptic": (np.asarray(post_mon.t / second), np.asarray(post_mon.i))},
        boutons=boutons,
        branches=None,
        synapses={"contacts": {"pre": i.astype(np.int64), "post": i.astype(np.int64),
                               "contact": np.tile(np.arange(n_per), n_conn).astype(np.int64),
                               "pr": pr_contact,
                               "weight_initial": np.asarray(contacts.q[:] / nS)}},
        protocol={"one_ap": {"t_start": 0.0, "t_stop": float(phase1_stop),
                             "plasticity": False},
                  "burst": {"t_start": float(phase1_stop), "t_stop": t_stop,
                            "plasticity": False}},
        patterns=None, recall=None, metrics=metrics,
        arrays={"/traces/v_post0": np.asarray(v_mon.v[0] / mV),
                "/traces/t": np.asarray(v_mon.t / second)},
        units={"/boutons/wca_2b": "a.u.", "/traces/v_post0": "mV", "/traces/t": "s"},
    )


EXPERIMENT = Experiment(
    name=NAME, order=10, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    reproduce=(Runs(("baseline", "elevated_mg"), (0,)),))
