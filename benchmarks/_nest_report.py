"""The report of ``bench_nest.py``: the table of the mgnet and NEST runs, the cost ratios,
where the time goes (per-step part vs synaptic events), the issue 6 verdict and the JSON
rows (``benchmarks/out/bench_nest.json``)."""
from __future__ import annotations

import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

NAME = "bench_nest"
TARGET = "mgnet cost per event <= NEST's (throughput at least NEST's)"
LABELS = {"mgnet_np": "mgnet non-plastic", "nest_np": "NEST replay (non-plastic)",
          "mgnet_pl": "mgnet plastic", "nest_pl": "NEST replay (plastic)",
          "nest_self": "NEST self-driven", "nest_base": "NEST neurons + background only"}


# --------------------------------------------------------------------------------------
# Result rows / JSON (benchmarks/_common.py; a minimal fallback keeps this script usable
# on its own)
# --------------------------------------------------------------------------------------
try:
    from _common import row, write_json
except ImportError:                                        # pragma: no cover
    import datetime as _dt
    import json
    import platform

    def row(what, value, *, reference="", ratio=None, target="", passed=None, note=""):
        def num(x):
            return None if x is None or not np.isfinite(float(x)) else float(x)
        return {"what": what, "value": num(value), "reference": reference,
                "ratio": num(ratio), "target": target,
                "pass": None if passed is None else bool(passed), "note": note}

    def write_json(name, rows, extra=None):
        out = os.path.join(_HERE, "out")
        os.makedirs(out, exist_ok=True)
        doc = {"benchmark": name, "rows": rows,
               "machine": {"platform": platform.platform(), "cores": os.cpu_count(),
                           "python": platform.python_version(),
                           "omp_num_threads": os.environ.get("OMP_NUM_THREADS")},
               "created_utc": _dt.datetime.now(_dt.UTC).strftime(
                   "%Y-%m-%dT%H:%M:%SZ"), "args": sys.argv[1:]}
        doc.update(extra or {})
        path = os.path.join(out, f"{name}.json")
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(json.dumps(doc, indent=1) + "\n")
        os.replace(tmp, path)
        print(f"wrote {path}")
        return path


#: Brian2 code-object kinds (bench_culture._category) that do not scale with the events.
PER_STEP_KINDS = ("background Poisson (run_regularly)", "neuron/OU state updates",
                  "thresholds", "resets", "spike monitors")


def mgnet_split(profile: list) -> tuple[float, float]:
    """(per-step, events) seconds of a Brian2 profile ([(code object, s)]): per-step =
    neuron/OU updates, thresholds, resets, background, monitors; events = the rest
    (release and post pathways, the plasticity Ca2+ pathway, spike queues)."""
    from bench_culture import _category
    step = sum(t for name, t in profile if _category(name) in PER_STEP_KINDS)
    return step, sum(t for _, t in profile) - step


def _skip(reason: str) -> None:
    print(reason)
    write_json(NAME, [row("NEST comparison", float("nan"), reference="NEST 3.x",
                          target=TARGET, passed=None, note="skipped")],
               {"skipped": reason})


def report(args, res: dict, base: dict | None, nest_version: str) -> None:
    """Print the comparison and write ``bench_nest.json``."""
    keys = [k for k in ("mgnet_np", "nest_np", "mgnet_pl", "nest_pl", "nest_self")
            if k in res]
    for m, nk in (("mgnet_np", "nest_np"), ("mgnet_pl", "nest_pl")):
        if m in res and res[nk]["events"] != res[m]["events"]:
            print(f"WARNING: {LABELS[nk]} delivered {res[nk]['events']:,} events, "
                  f"{LABELS[m]} {res[m]['events']:,}")
    _print_structure(res)
    _print_table(args, res, keys)
    ratios = _print_ratios(args, res)
    split = _print_split(args, res, base)
    ratio, ok = _print_verdict(res, ratios)
    rows = _rows(args, res, ratios, split, ratio, ok, keys)
    fields = ("build_s", "compile_s", "run_s", "loop_s", "cpu_s", "events",
              "events_per_pathway", "conn_events", "source_spikes", "own_spikes")
    summary = {k: {f: res[k][f] for f in fields} for k in keys}
    if base is not None:
        summary["nest_base"] = {f: base[f] for f in fields}
    write_json(NAME, rows, {"nest_version": nest_version, "results": summary,
                            "split": split, "neurons": args.neurons,
                            "duration_s": args.duration})


def _rate(args, res: dict, r: dict, what: str = "source_spikes") -> float:
    """Mean rate (Hz) per neuron of the culture."""
    r0 = res["mgnet_np"]
    n_all = r0["n_exc"] + r0["n_inh"]
    return r[what] / n_all / (args.duration)


def _cost(res: dict, k: str, what: str = "run_s") -> float:
    """Seconds per contact event of run ``k``."""
    return res[k][what] / max(res[k]["events"], 1)


def _print_structure(res: dict) -> None:
    """The structure both simulators run, and NEST's synapse parameters."""
    r0 = res["mgnet_np"]
    contacts = sum(r0["n_contacts"].values())
    conns = sum(r0["n_connections"].values())
    print(f"\nstructure (both simulators): {r0['n_exc']} E + {r0['n_inh']} I neurons, "
          f"{contacts:,} contacts in {conns:,} connections ("
          + ", ".join(f"{k} {r0['n_contacts'][k]:,}/{r0['n_connections'][k]:,}"
                      for k in r0["n_contacts"])
          + f"); NEST: {res['nest_np']['nest_connections']:,} connections in the kernel "
          f"incl. background, replay and recorders")
    print("NEST quantal_stp: mean U per pathway "
          + ", ".join(f"{k} {v:.3f}" for k, v in res["nest_np"]["mean_U"].items())
          + "; mean weight (nS) "
          + ", ".join(f"{k} {v:.2f}" for k, v in res["nest_np"]["mean_w_nS"].items()))


def _print_table(args, res: dict, keys: list) -> None:
    """Spikes, events and timings of every run."""
    head = (f"{'network':<27s}{'spikes':>9s}{'rate Hz':>8s}{'contact ev':>12s}"
            f"{'conn ev':>11s}{'build s':>8s}{'comp s':>7s}{'run s':>7s}{'loop s':>7s}"
            f"{'CPU s':>7s}{'events/s':>11s}{'ns/ev':>7s}{'ns/conn':>8s}")
    print("\n" + head)
    print("-" * len(head))
    for k in keys:
        r = res[k]
        print(f"{LABELS[k]:<27s}{r['source_spikes']:9,d}{_rate(args, res, r):8.2f}"
              f"{r['events']:12,d}"
              f"{r['conn_events']:11,d}{r['build_s']:8.1f}{r['compile_s']:7.1f}"
              f"{r['run_s']:7.2f}{r['loop_s']:7.2f}{r['cpu_s']:7.2f}"
              f"{r['events'] / r['run_s']:11,.0f}{1e9 * r['run_s'] / max(r['events'], 1):7.0f}"
              f"{1e9 * r['run_s'] / max(r['conn_events'], 1):8.0f}")
    for k in ("nest_np", "nest_pl"):
        if k in res:
            print(f"{LABELS[k]}: its AdEx targets fired {res[k]['own_spikes']:,} spikes "
                  f"({_rate(args, res, res[k], 'own_spikes'):.2f} Hz; not fed back)")
    print("spikes/rate: of the sources (replay: the replayed mgnet spikes); contact ev = "
          "spikes x contacts of the\nspiking neuron, conn ev = spikes x its connections; "
          "events/s and ns/ev from run s (wall)")


def _print_ratios(args, res: dict) -> dict:
    """mgnet / NEST cost per event on the same events (run wall, loop, CPU); the
    self-driven NEST network for information.  Returns the ratios per mgnet run."""
    print()
    ratios = {}
    for m, nk in (("mgnet_np", "nest_np"), ("mgnet_pl", "nest_pl")):
        if m not in res:
            continue
        ratios[m] = {w: _cost(res, m, w) / _cost(res, nk, w)
                     for w in ("run_s", "loop_s", "cpu_s")}
        print(f"cost per event {LABELS[m]} / {LABELS[nk]}: {ratios[m]['run_s']:.2f}x "
              f"(run wall), {ratios[m]['loop_s']:.2f}x (loop), {ratios[m]['cpu_s']:.2f}x "
              f"(CPU)")
    if "nest_self" in res:
        s = res["nest_self"]
        print(f"{LABELS['nest_self']}: {_rate(args, res, s):.2f} Hz vs the culture's "
              f"{_rate(args, res, res['mgnet_np']):.2f} Hz; "
              f"cost per event {1e9 * _cost(res, 'nest_self'):.0f} ns, mgnet non-plastic / it "
              f"{_cost(res, 'mgnet_np') / _cost(res, 'nest_self'):.2f}x (different rates: "
              f"not the criterion)")
    return ratios


def _print_split(args, res: dict, base: dict | None) -> dict:
    """Where the time goes: a per-step part (neuron integration, background, monitors)
    that does not scale with the events, and the synaptic events.  mgnet: Brian2's
    profile of the loop (std::clock, i.e. CPU time per code object).  NEST: CPU time of
    the run minus that of the run without recurrent connections."""
    split = {}
    r0 = res["mgnet_np"]
    n_all = r0["n_exc"] + r0["n_inh"]
    n_steps = n_all * args.duration * 1e4            # neuron-steps of 0.1 ms
    print()
    for m in ("mgnet_np", "mgnet_pl"):
        if m in res and res[m].get("profile"):
            step_t, ev_t = mgnet_split(res[m]["profile"])
            split[m] = {"per_step_cpu_s": step_t, "events_cpu_s": ev_t,
                        "ns_per_neuron_step": 1e9 * step_t / n_steps,
                        "ns_per_event": 1e9 * ev_t / max(res[m]["events"], 1)}
            print(f"{LABELS[m]} (Brian2 profile, CPU): per-step part {step_t:.2f} s = "
                  f"{split[m]['ns_per_neuron_step']:.0f} ns per neuron per step (AdEx, "
                  f"background, OU, thresholds, resets, monitors); events {ev_t:.2f} s = "
                  f"{split[m]['ns_per_event']:.0f} ns per contact event (release and "
                  f"post pathways, spike queues)")
    if base is not None:
        split["nest_base"] = {"per_step_cpu_s": base["cpu_s"],
                              "ns_per_neuron_step": 1e9 * base["cpu_s"] / n_steps}
        print(f"NEST neurons + background only (no recurrent connections): run "
              f"{base['run_s']:.2f} s, CPU {base['cpu_s']:.2f} s = "
              f"{split['nest_base']['ns_per_neuron_step']:.0f} ns CPU per neuron per step "
              f"(aeif_cond_exp with GSL RKF45, inhomogeneous Poisson background)")
        for k in ("nest_np", "nest_pl", "nest_self"):
            if k in res:
                split[k] = _nest_events_part(res[k], base, LABELS[k])
    return split


def _nest_events_part(r: dict, base: dict, label: str) -> dict:
    """CPU time of a NEST run's events: its CPU time minus that of the run without
    recurrent connections (None per event when within the timing noise); printed."""
    d = r["cpu_s"] - base["cpu_s"]
    if d <= 0.05 * r["cpu_s"]:
        print(f"  {label}: events {d:+.2f} s CPU of {r['cpu_s']:.2f} s: below "
              f"the timing noise (the per-step part is all that is measurable)")
        return {"events_cpu_s": d, "ns_per_event": None}
    print(f"  {label}: events {d:.2f} s CPU of {r['cpu_s']:.2f} s = "
          f"{1e9 * d / r['events']:.0f} ns per contact event "
          f"({1e9 * d / r['conn_events']:.0f} ns per connection event)")
    return {"events_cpu_s": d, "ns_per_event": 1e9 * d / r["events"]}


def _print_verdict(res: dict, ratios: dict) -> tuple[float, bool]:
    """Issue 6: the culture's throughput (non-plastic) at least NEST's on the same
    events.  Returns ``(cost ratio, PASS)``."""
    r0 = res["mgnet_np"]
    ratio = ratios["mgnet_np"]["run_s"]
    ok = ratio <= 1.0
    print(f"\nissue 6 target: throughput of the culture (non-plastic) at least NEST's on "
          f"the same events: {'PASS' if ok else 'FAIL'} (ratio {ratio:.2f})")
    if not ok:
        print(f"  NEST is {ratio:.2f}x faster per event: the culture would have to run in "
              f"{r0['run_s'] / ratio:.1f} s instead of {r0['run_s']:.1f} s")
    else:
        print(f"  the culture is {1 / ratio:.2f}x faster per event than NEST")
    return ratio, ok


def _rows(args, res: dict, ratios: dict, split: dict, ratio: float, ok: bool,
          keys: list) -> list[dict]:
    """The JSON rows: the verdict, the headline costs, the split and the build times."""
    r0 = res["mgnet_np"]
    why = ("same contact arrays and replayed spikes (identical events); NEST has no "
           "NMDA/Mg block, no slow adaptation, no per-contact Pr/q/Ca2+ state and "
           "integrates AdEx with RKF45")
    rows = [row("mgnet non-plastic culture: ns per contact event (run wall)",
                1e9 * _cost(res, "mgnet_np"), reference="NEST 3 replaying the same spikes",
                ratio=ratio, target=TARGET, passed=None if args.quick else ok,
                note=f"NEST {1e9 * _cost(res, 'nest_np'):.0f} ns/event; {why}"),
            row("mgnet non-plastic culture: contact events per s (run wall)",
                r0["events"] / r0["run_s"], reference="NEST replay events per s",
                ratio=(r0["events"] / r0["run_s"])
                / (res["nest_np"]["events"] / res["nest_np"]["run_s"]),
                note=f"{r0['events']:,} events in {args.duration:g} s simulated; "
                     f"rate {_rate(args, res, r0):.2f} Hz"),
            row("mgnet non-plastic / NEST: cost per event, CPU time",
                ratios["mgnet_np"]["cpu_s"], reference="NEST replay",
                ratio=ratios["mgnet_np"]["cpu_s"],
                note="CPU time is robust against other load on the machine"),
            row("NEST replay (non-plastic spikes): ns per contact event (run wall)",
                1e9 * _cost(res, "nest_np"),
                note=f"aeif_cond_exp + quantal_stp_synapse, 1 thread; build "
                     f"{res['nest_np']['build_s']:.1f} s")]
    rows += _information_rows(args, res, ratios)
    rows += _split_rows(split)
    for k in keys:
        r = res[k]
        rows.append(row(f"{LABELS[k]}: build s", r["build_s"] + r["compile_s"],
                        note=f"build {r['build_s']:.1f} s + compile {r['compile_s']:.1f} s"))
    return rows


def _information_rows(args, res: dict, ratios: dict) -> list[dict]:
    """Rows of the plastic culture and of the self-driven NEST network (information)."""
    rows = []
    if "mgnet_pl" in res:
        rows.append(row("mgnet plastic culture: ns per contact event (run wall)",
                        1e9 * _cost(res, "mgnet_pl"), reference="NEST 3 replaying its spikes "
                        "(NEST without plasticity)", ratio=ratios["mgnet_pl"]["run_s"],
                        note="information: the plastic culture has Graupner-Brunel "
                             "plasticity that the NEST network lacks"))
    if "nest_self" in res:
        s = res["nest_self"]
        rows.append(row("NEST self-driven: ns per contact event (run wall)",
                        1e9 * _cost(res, "nest_self"), reference="mgnet non-plastic",
                        ratio=_cost(res, "mgnet_np") / _cost(res, "nest_self"),
                        note=f"information: NEST's own activity {_rate(args, res, s):.2f} "
                             f"Hz vs the culture's {_rate(args, res, res['mgnet_np']):.2f} Hz "
                             f"({s['events']:,} events)"))
    return rows


def _split_rows(split: dict) -> list[dict]:
    """Rows of the per-step part and of the events part of the split."""
    rows = []
    for k in ("mgnet_np", "nest_base"):
        if k in split:
            rows.append(row(f"{LABELS.get(k, 'NEST neurons + background only')}: ns CPU per "
                            f"neuron per 0.1 ms step (per-step part)",
                            split[k]["ns_per_neuron_step"],
                            note="mgnet: Brian2 profile (neurons, background, OU, "
                                 "thresholds, resets, monitors); NEST: run without "
                                 "recurrent connections (aeif_cond_exp RKF45 + background)"))
    for k in ("mgnet_np", "nest_self", "nest_np"):
        if k in split and "ns_per_event" in split[k]:
            v = split[k]["ns_per_event"]
            rows.append(row(f"{LABELS[k]}: ns CPU per contact event, events part only",
                            float("nan") if v is None else v,
                            note="below the timing noise" if v is None else
                            ("Brian2 profile: release/post pathways and spike queues"
                             if k.startswith("mgnet") else
                             "CPU time minus that of the run without recurrent "
                             "connections")))
    return rows
