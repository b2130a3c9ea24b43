"""The NEST side of ``bench_nest.py``: the culture's structure as NEST connections, its
background as an OU-modulated Poisson rate, and :func:`run_nest`, which builds and
simulates the equivalent network in NEST 3.x (the mapping mgnet -> NEST: the docstring of
``bench_nest.py``)."""
from __future__ import annotations

import resource
import time

import numpy as np


def nest_or_none():
    """The ``nest`` module, or None if nest-simulator is not installed."""
    try:
        import nest
    except (ImportError, OSError):      # not installed, or its shared libraries missing
        return None
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR          # NEST >= 3.9
    except AttributeError:                                  # pragma: no cover
        nest.set_verbosity("M_ERROR")
    return nest


# --------------------------------------------------------------------------------------
# The culture's structure as NEST connections
# --------------------------------------------------------------------------------------
def _events(spikes: dict, pathways: dict) -> tuple[int, dict]:
    from bench_culture import _events as events
    return events(spikes, pathways)


def connection_table(structure, values) -> dict:
    """Per pathway, the culture's connections (contacts of one (pre, post) pair merged).

    Returns {name: dict(src, tgt, pre, post, n, U, w, contact_pre)}: ``pre``/``post``
    population indices per connection, ``n`` contacts, ``U`` mean Pr, ``w`` the
    Pr-weighted mean quantal conductance (nS; the plain mean if every contact is silent),
    ``contact_pre`` the presynaptic index of every contact (for the event count).
    """
    out = {}
    for name, pw in structure.pathways.items():
        v = values[name]
        start = pw.contact == 0              # contacts of a connection are contiguous,
        conn = np.cumsum(start) - 1          # sorted by (pre, post, contact)
        n = np.bincount(conn)
        sum_pr = np.bincount(conn, weights=v.pr)
        sum_prq = np.bincount(conn, weights=v.pr * v.q_nS)
        mean_q = np.bincount(conn, weights=v.q_nS) / n
        w = np.where(sum_pr > 0, sum_prq / np.where(sum_pr > 0, sum_pr, 1.0), mean_q)
        out[name] = dict(src="exc" if name[0] == "e" else "inh",
                         tgt="exc" if name[1] == "e" else "inh",
                         pre=pw.pre[start], post=pw.post[start], n=n, U=sum_pr / n, w=w,
                         contact_pre=pw.pre)
    return out


def ou_rate(culture, duration_ms: float, step_ms: float, seed: int):
    """Background rate trajectory rate * clip(1 + x, 0, 100) with x an OU process of SD
    ``bg_mod_cv`` and correlation time ``bg_mod_tau`` (exact discretisation, x(0) = 0),
    sampled every ``step_ms`` starting at ``step_ms``.  Returns (times_ms, rates_Hz)."""
    from brian2 import Hz, second
    rate = float(culture.bg_rate / Hz)
    sd, tau_ms = float(culture.bg_mod_cv), float(culture.bg_mod_tau / second) * 1e3
    k = int(np.ceil(duration_ms / step_ms)) + 1
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 6]))
    decay = np.exp(-step_ms / tau_ms)
    noise = sd * np.sqrt(1 - decay ** 2) * rng.standard_normal(k)
    x = np.empty(k)
    x[0] = 0.0
    for i in range(1, k):
        x[i] = x[i - 1] * decay + noise[i]
    times = np.round(step_ms * (1 + np.arange(k)), 6)
    return times, rate * np.clip(1 + x, 0, 100)


# --------------------------------------------------------------------------------------
# NEST network
# --------------------------------------------------------------------------------------
def run_nest(nest, n: int, duration_s: float, seed: int, replay: dict | None = None,
             resolution_ms: float = 0.1, recurrent: bool = True) -> dict:
    """Build and simulate the NEST equivalent of the culture (one thread).

    ``replay`` = {"exc"|"inh": (times_s, ids)}: drive the recurrent connections from
    parrot neurons replaying these spikes (the AdEx neurons' own spikes are recorded but
    not fed back); None: the AdEx neurons drive each other (self-driven).
    ``recurrent=False``: neurons and background only (NEST's per-step cost, no events).
    """
    from brian2 import ms

    from mgnet.models.culture import contact_values, culture_structure
    from mgnet.models.parameters import CultureParams, condition

    t0 = time.perf_counter()
    params, culture = condition("baseline"), CultureParams()
    st = culture_structure(n, culture, params.configuration, seed=seed,
                           e_l=params.neuron.e_l)
    values = contact_values(st, params, culture)
    table = connection_table(st, values)
    delay_ms = float(culture.delay / ms)

    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 1, "resolution": resolution_ms,
                          "rng_seed": int(seed) + 1})
    pops, ids = _populations(nest, st, params, culture)
    # Sources of the recurrent connections.
    if replay is None:
        src_ids = ids
        sources = pops
    else:
        sources, src_ids = _replay_sources(nest, replay, ids, resolution_ms, delay_ms)
    # Recurrent connections: one quantal_stp_synapse per culture connection.
    for c in (table.values() if recurrent else ()):
        _connect(nest, c, src_ids, ids, delay_ms, culture)
    # Background: OU-modulated Poisson, an independent train per target.
    sim_ms = duration_s * 1e3
    if replay is not None:
        sim_ms += 2 * resolution_ms + delay_ms      # every replayed spike is emitted
    _background(nest, st, culture, ids, sim_ms, seed, delay_ms)
    recorders = _recorders(nest, pops, sources, replay)
    n_conn = int(nest.GetKernelStatus("num_connections"))
    build_s = time.perf_counter() - t0
    timing = _simulate(nest, sim_ms, delay_ms)
    own = {p: _spikes_of(recorders[p], ids[p][0]) for p in ("exc", "inh")}
    if replay is None:
        src_spikes = own
    else:
        src_spikes = {p: _spikes_of(recorders[f"src_{p}"], src_ids[p][0])
                      for p in ("exc", "inh")}
    out = {"build_s": build_s, "compile_s": 0.0, **timing,
           **_event_counts(table, src_spikes, recurrent),
           "n_exc": st.n_exc, "n_inh": st.n_inh}
    out.update(_network_summary(st, table, n_conn, src_spikes, own, sim_ms))
    return out


def _populations(nest, st, params, culture) -> tuple[dict, dict]:
    """The AdEx neurons (``aeif_cond_exp``) of both populations with the culture's
    parameters and initial potentials; the node collections and their ids."""
    from brian2 import ms, mV, nS, pA, pF
    nr = params.neuron
    rec = params.receptors
    common = {"C_m": float(nr.c_m / pF), "g_L": float(nr.g_l / nS),
              "E_L": float(nr.e_l / mV), "V_th": float(nr.v_t / mV),
              "Delta_T": float(nr.delta_t / mV), "V_reset": float(nr.v_reset / mV),
              "V_peak": float(nr.v_spike / mV), "t_ref": float(nr.t_ref / ms),
              "tau_w": float(nr.tau_w / ms),
              "E_ex": float(rec.e_ampa / mV), "tau_syn_ex": float(rec.tau_ampa / ms),
              "E_in": float(rec.e_gaba / mV), "tau_syn_in": float(rec.tau_gaba / ms)}
    pops = {
        "exc": nest.Create("aeif_cond_exp", st.n_exc,
                           params=dict(common, a=float(nr.a / nS), b=float(nr.b / pA))),
        "inh": nest.Create("aeif_cond_exp", st.n_inh,
                           params=dict(common, a=float(culture.inh_a / nS),
                                       b=float(culture.inh_b / pA)))}
    ids = {p: np.asarray(g.tolist(), dtype=np.int64) for p, g in pops.items()}
    for p, g in pops.items():
        g.set(V_m=st.v_init[p].tolist(), w=0.0)
    return pops, ids


def _replay_sources(nest, replay: dict, ids: dict, resolution_ms: float,
                    delay_ms: float) -> tuple[dict, dict]:
    """``spike_generator -> parrot_neuron`` sources replaying ``replay``, one per neuron;
    the parrots and their ids."""
    shift_ms = resolution_ms          # spike_generator times must lie after 0
    sources, src_ids = {}, {}
    for p in ("exc", "inh"):
        t_s, i_s = replay[p]
        t_ms = np.round(np.asarray(t_s) * 1e3 / resolution_ms) * resolution_ms + shift_ms
        order = np.lexsort((t_ms, i_s))
        t_ms, i_s = t_ms[order], np.asarray(i_s)[order]
        size = len(ids[p])
        bounds = np.searchsorted(i_s, np.arange(size + 1))
        gens = nest.Create("spike_generator", size, params=[
            {"spike_times": t_ms[bounds[k]:bounds[k + 1]].tolist()} for k in range(size)])
        parrots = nest.Create("parrot_neuron", size)
        # Delay = the network delay, so that NEST's min_delay stays 1.5 ms.
        nest.Connect(gens, parrots, "one_to_one",
                     {"synapse_model": "static_synapse", "delay": delay_ms})
        sources[p] = parrots
        src_ids[p] = np.asarray(parrots.tolist(), dtype=np.int64)
    return sources, src_ids


def _connect(nest, c: dict, src_ids: dict, ids: dict, delay_ms: float, culture) -> None:
    """One pathway's connections (a row of :func:`connection_table`) as
    ``quantal_stp_synapse`` connections."""
    from brian2 import ms
    m = len(c["pre"])
    sign = 1.0 if c["src"] == "exc" else -1.0
    nest.Connect(src_ids[c["src"]][c["pre"]], ids[c["tgt"]][c["post"]], "one_to_one",
                 {"synapse_model": "quantal_stp_synapse",
                  "weight": sign * c["w"], "delay": np.full(m, delay_ms),
                  "U": c["U"], "u": c["U"].copy(), "n": c["n"].astype(float),
                  "a": c["n"].astype(float),
                  "tau_rec": np.full(m, float(culture.tau_d / ms)),
                  "tau_fac": np.full(m, float(culture.tau_f / ms))})


def _background(nest, st, culture, ids: dict, sim_ms: float, seed: int,
                delay_ms: float) -> None:
    """The OU-modulated Poisson background: one inhomogeneous generator, an independent
    train per target, the culture's per-neuron weights."""
    from brian2 import nS
    times, rates = ou_rate(culture, sim_ms, 1.0, seed)
    bg = nest.Create("inhomogeneous_poisson_generator",
                     params={"rate_times": times.tolist(), "rate_values": rates.tolist(),
                             "allow_offgrid_times": True})
    factor = st.bg_factor(culture.bg_weight_cv)
    bg_w = float(culture.bg_weight / nS)
    for p in ("exc", "inh"):
        if p == "inh" and not culture.bg_to_inh:
            continue
        nest.Connect(np.full(len(ids[p]), bg.tolist()[0]), ids[p], "one_to_one",
                     {"weight": bg_w * factor[p], "delay": np.full(len(ids[p]), delay_ms)})


def _recorders(nest, pops: dict, sources: dict, replay) -> dict:
    """Spike recorders of both populations (and, in a replay, of the sources)."""
    recorders = {}
    for p in ("exc", "inh"):
        recorders[p] = nest.Create("spike_recorder")
        nest.Connect(pops[p], recorders[p])
        if replay is not None:
            recorders[f"src_{p}"] = nest.Create("spike_recorder")
            nest.Connect(sources[p], recorders[f"src_{p}"])
    return recorders


def _simulate(nest, sim_ms: float, delay_ms: float) -> dict:
    """Prepare + first min_delay slice (connection infrastructure) + loop + Cleanup;
    wall and CPU seconds."""
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t1 = time.perf_counter()
    nest.Prepare()
    first = delay_ms
    nest.Run(first)
    t2 = time.perf_counter()
    nest.Run(sim_ms - first)
    t3 = time.perf_counter()
    nest.Cleanup()
    t4 = time.perf_counter()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {"run_s": t4 - t1, "loop_s": t3 - t2, "startup_s": (t2 - t1) + (t4 - t3),
            "cpu_s": cpu_s}


def _spikes_of(rec, base):
    """(times in s, population indices) of a spike recorder whose first node is ``base``."""
    ev = rec.get("events")
    return (np.asarray(ev["times"], dtype=float) / 1e3,
            np.asarray(ev["senders"], dtype=np.int64) - base)


def _event_counts(table: dict, src_spikes: dict, recurrent: bool) -> dict:
    """Contact and connection events of the source spikes, in total and per pathway (0
    without recurrent connections)."""
    contact_pw = {k: (c["src"], c["contact_pre"]) for k, c in table.items()}
    conn_pw = {k: (c["src"], c["pre"]) for k, c in table.items()}
    sp = {p: v[1] for p, v in src_spikes.items()}
    ev, per = _events(sp, contact_pw)
    ev_conn, per_conn = _events(sp, conn_pw)
    if not recurrent:
        ev, per, ev_conn, per_conn = 0, {}, 0, {}
    return {"events": ev, "events_per_pathway": per, "conn_events": ev_conn,
            "conn_events_per_pathway": per_conn}


def _network_summary(st, table: dict, n_conn: int, src_spikes: dict, own: dict,
                     sim_ms: float) -> dict:
    """Sizes, spike counts and mean synapse parameters of the NEST run."""
    return {"n_contacts": st.n_contacts(),
            "n_connections": {k: len(c["pre"]) for k, c in table.items()},
            "nest_connections": n_conn,
            "source_spikes": sum(len(v[1]) for v in src_spikes.values()),
            "own_spikes": sum(len(v[1]) for v in own.values()),
            "own_spikes_by_pop": {p: len(v[1]) for p, v in own.items()},
            "simulated_ms": sim_ms,
            "mean_U": {k: float(np.mean(c["U"])) for k, c in table.items()},
            "mean_w_nS": {k: float(np.mean(c["w"])) for k, c in table.items()}}
