"""The protocol of a memory run, fixed before any network is built (science.md §6).

What the options and the seeds of a memory-encoding run (and of its siblings
memory-capacity and memory-retention, and of memory-planted) fix in numpy: the cell
assemblies and their cueing order, the encoding stimulation schedule, the recall cues
with their controls (:func:`make_recall`), the phase boundaries (:class:`Schedule`,
:func:`phase1_end`), and the seed of Brian2's random stream (:func:`stream_seed`).  The
network that runs the schedule is :class:`mgnet.experiments.memory_encoding._Memory`.

Moved out of :mod:`mgnet.experiments.memory_encoding` (issue 16), which still exports
every name.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Codes of ``/recall/kind``.
RECALL_KINDS = {"stored": 0, "sham": 1, "unencoded": 2}


def stream_seed(cfg) -> int:
    """Seed of Brian2's random stream: ``options.stream_seed``, or the structure seed."""
    s = int(getattr(cfg.options, "stream_seed", -1))
    return int(cfg.seed) if s < 0 else s


# --------------------------------------------------------------------------------------
# Protocol (numpy): assemblies, cues and the stimulation schedule
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Schedule:
    """Stimulation schedule and phase boundaries of one run (times in s)."""
    members: np.ndarray         #: (P, n_exc) bool
    cue_order: np.ndarray       #: (P, M) member indices in cueing order
    stim_i: np.ndarray          #: source index of each stimulus pulse
    stim_t: np.ndarray          #: time of each pulse (s)
    source_targets: list        #: source -> array of excitatory targets
    recall: dict                #: per cue: kind, pattern, cue_fraction, t_cue, source
    round_period: float
    t_spont: float              #: end of the spontaneous period
    t_enc: float                #: end of encoding
    t_cons: float               #: end of consolidation = start of recall
    t_end: float
    unencoded: np.ndarray = None    #: (U, n_exc) bool, assemblies never presented
    #: encoding trains: ``start``, ``stop`` (s; last pulse + one pulse period),
    #: ``pattern`` and ``presentation`` per train (the run file's ``/stimulation``)
    trains: dict = None


def phase1_end(t_cons: float, round_period: float, dt: float) -> float:
    """End (s) of the plastic phase: the first time step after ``t_cons`` at which
    Brian2's snapshot clock (``dt = round_period``) counts its tick at ``t_cons`` as inside
    the run.

    Brian2 rounds a run's end to a clock's own step when it lies within
    ``Clock.epsilon_dt`` × that clock's dt (0.2 ms for a 2-s clock), and ends the loop by
    whichever of two tied clocks a set yields first.  With the end one 0.1-ms step after
    ``t_cons`` the snapshot clock took the end for ``t_cons`` itself, so whether the
    snapshot and the ρ advance at ``t_cons`` ran depended on the process (docs/memory.md,
    "Fixed: a memory-encoding run was not bit-reproducible").  Ending the phase just
    beyond that rounding band makes the tick belong to it in every process; plasticity
    stays on for those extra steps (≤ 1 ms for round periods up to 5 s at dt = 0.1 ms).
    """
    tick = int(round(t_cons / round_period))
    if abs(tick * round_period - t_cons) > 1e-9 * round_period:
        return t_cons + dt                  # t_cons is no snapshot tick: nothing to include
    k = 1
    while rounded_timestep(t_cons + k * dt, round_period) <= tick:
        k += 1
    return t_cons + k * dt


def rounded_timestep(target_t: float, clock_dt: float) -> int:
    """The time step Brian2 gives a run end ``target_t`` (s) on a clock of step
    ``clock_dt`` (s): :meth:`brian2.Clock._calc_timestep`, computed without making a
    :class:`~brian2.Clock`.  A probe clock would be registered with the device, and in
    ``cpp_standalone`` mode a discarded one leaves dead entries in the device's array
    cache that break ``device.run(run_args=...)`` (every default-scale memory run
    failed with "weakly-referenced object no longer exists"); tests compare the two."""
    from brian2 import Clock
    new_i = np.int64(np.round(target_t / clock_dt))
    new_t = new_i * clock_dt
    if new_t == target_t or np.abs(new_t - target_t) / clock_dt <= Clock.epsilon_dt:
        return int(new_i)
    return int(np.ceil(target_t / clock_dt))


def _round_up(x: float, step: float) -> float:
    return math.ceil(x / step - 1e-9) * step


def draw_assemblies(rng, n: int, n_exc: int, size: int):
    """``n`` independent random assemblies of ``size`` excitatory cells (overlaps
    allowed) and each one's members in a random cueing order."""
    members = np.zeros((n, n_exc), dtype=bool)
    order = np.empty((n, size), dtype=np.int64)
    for p in range(n):
        idx = rng.choice(n_exc, size=size, replace=False)
        members[p, idx] = True
        order[p] = idx          # already in random order
    return members, order


def make_recall(rng, opts, members, cue_order, unencoded, unencoded_order, t_start: float,
                first_source: int):
    """Recall cues with their controls (science.md §6), for memory-encoding and its
    siblings and for memory-planted.

    For every cue fraction c and trial: one cue per stored assembly (the first
    ``round(c·M)`` of its cueing order, so larger cues contain smaller ones),
    ``opts.n_sham`` sham cues (``round(c·M)`` random cells that belong to no stored
    assembly; ``pattern`` is the stored assembly they are read against, in turn) and
    one cue per unencoded assembly (cued like a stored one).  All cues in a random
    order, the k-th at ``t_start + k·recall_interval + U(0, recall_jitter)``
    (k = 1, 2, ...), so consecutive cues are at least ``recall_interval`` apart.

    Returns
    -------
    sources : list of ndarray
        Excitatory targets of each new stimulus source (numbered from ``first_source``).
    stim_i, stim_t : ndarray
        Source index and time (s) of every cue pulse.
    recall : dict of ndarray
        Per cue: ``kind`` (:data:`RECALL_KINDS`), ``pattern`` (row of ``members`` for
        stored and sham cues, of ``unencoded`` for unencoded ones), ``cue_fraction``,
        ``t_cue``, ``source``.
    t_end : float
        End of the recall phase (one interval after the last cue).
    """
    P, M = cue_order.shape if len(cue_order) else (0, 0)
    if M == 0 and len(unencoded_order):
        M = unencoded_order.shape[1]
    stored_any = members.any(axis=0) if len(members) else np.zeros(unencoded.shape[1], bool)
    pool = np.flatnonzero(~stored_any)
    sources, cues = [], []
    for c in opts.cue_fractions:
        c = float(c)
        k = max(1, int(round(c * M)))
        for trial in range(opts.recall_trials):
            for p in range(P):
                cues.append((RECALL_KINDS["stored"], p, c, np.sort(cue_order[p, :k])))
            for j in range(opts.n_sham):
                cues.append((RECALL_KINDS["sham"], (trial * opts.n_sham + j) % max(P, 1), c,
                             np.sort(rng.choice(pool, size=k, replace=False))))
            for u in range(len(unencoded_order)):
                cues.append((RECALL_KINDS["unencoded"], u, c,
                             np.sort(unencoded_order[u, :k])))
    order = rng.permutation(len(cues))
    rate = float(opts.pulse_rate)
    pulses = np.arange(opts.cue_pulses) / rate
    jitter = rng.uniform(0.0, float(opts.recall_jitter), len(cues))
    interval = float(opts.recall_interval)
    stim_i, stim_t = [], []
    rec = {k: [] for k in ("kind", "pattern", "cue_fraction", "t_cue", "source")}
    t = t_start
    for n, j in enumerate(order):
        kind, p, c, targets = cues[j]
        t = t + interval + jitter[n]
        src = first_source + len(sources)
        sources.append(targets)
        stim_i.append(np.full(len(pulses), src))
        stim_t.append(t + pulses)
        for key, v in zip(rec, (kind, p, c, t, src), strict=True):
            rec[key].append(v)
    recall = {"kind": np.array(rec["kind"], np.int64),
              "pattern": np.array(rec["pattern"], np.int64),
              "cue_fraction": np.array(rec["cue_fraction"], float),
              "t_cue": np.array(rec["t_cue"], float),
              "source": np.array(rec["source"], np.int64)}
    cat = (lambda x, dt: np.concatenate(x).astype(dt) if x else np.zeros(0, dt))
    return sources, cat(stim_i, np.int64), cat(stim_t, float), recall, t + interval


def make_schedule(opts, n_exc: int, seed: int) -> Schedule:
    """Assemblies, cued subsets and pulse times, drawn from the structure seed.

    Assemblies are independent random subsets (overlaps allowed, as for random
    patterns).  Each pattern's members are put in a random cueing order; the cue of
    fraction c stimulates the first ``round(c * M)`` of them, so larger cues contain
    smaller ones.  The unencoded control assemblies are drawn after the stored ones,
    and the recall cues (:func:`make_recall`) after both, so the stored assemblies and
    the encoding schedule of a seed do not depend on the controls.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x6D656D]))
    P = int(opts.n_patterns)
    M = int(round(opts.assembly_fraction * n_exc))
    members, cue_order = draw_assemblies(rng, P, n_exc, M)
    rate = float(opts.pulse_rate)
    pres_dt = float(opts.presentation_interval)
    rp = P * pres_dt
    t_spont = _round_up(float(opts.spontaneous), rp)
    t_enc = t_spont + opts.presentations * rp
    t_cons = t_enc + _round_up(float(opts.consolidation), rp)
    within = np.arange(opts.pulses_per_train) / rate
    trains = np.arange(opts.trains_per_presentation) * float(opts.train_interval)
    pulses = (trains[:, None] + within[None, :]).ravel()
    stim_i, stim_t = [], []
    tr = {"start": [], "pattern": [], "presentation": []}
    for r in range(opts.presentations):
        for p in range(P):
            t0 = t_spont + (r * P + p) * pres_dt
            stim_i.append(np.full(len(pulses), p))
            stim_t.append(t0 + pulses)
            tr["start"] += list(t0 + trains)
            tr["pattern"] += [p] * len(trains)
            tr["presentation"] += [r] * len(trains)
    train_s = opts.pulses_per_train / rate
    trains_out = {"start": np.asarray(tr["start"], float),
                  "stop": np.asarray(tr["start"], float) + train_s,
                  "pattern": np.asarray(tr["pattern"], np.int64),
                  "presentation": np.asarray(tr["presentation"], np.int64)}
    sources = [members[p].nonzero()[0] for p in range(P)]
    rng_c = np.random.default_rng(np.random.SeedSequence([int(seed), 0x6D656D, 1]))
    unencoded, unenc_order = draw_assemblies(rng_c, int(opts.n_unencoded), n_exc, M)
    new, ri, rt, recall, t_end = make_recall(rng_c, opts, members, cue_order, unencoded,
                                             unenc_order, t_cons, len(sources))
    sources += new
    stim_i.append(ri)
    stim_t.append(rt)
    return Schedule(members, cue_order, np.concatenate(stim_i).astype(np.int64),
                    np.concatenate(stim_t), sources, recall, rp, t_spont, t_enc, t_cons,
                    t_end, unencoded, trains_out)
