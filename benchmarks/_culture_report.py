"""The report of ``bench_culture.py``: the runs, the cost table, the issue 18 targets, the
ablation (every optimisation before/after), the profiled breakdown and the JSON rows."""
from __future__ import annotations

from _common import row, write_json

TARGET_PLASTIC = 8.0        # issue 18: plastic culture <= 8x plain per event
TARGET_FLOOR = 2.0          # issue 18: floor <= 2x plain per event

#: Table labels of the projects, in table order.
LABELS = {"plastic": "plastic culture (all optimisations)",
          "plastic_novec": "plastic, scalar neuron loop",
          "plastic_noprefetch": "plastic, no prefetch (post pathway)",
          "plastic_noloop": "plastic, Brian2's time loop (clock read per step)",
          "plastic_noshared": "plastic, exp of every STP decay computed",
          "plastic_noskip": "plastic, no skipped synapse work",
          "plastic_before": "plastic, every optimisation off",
          "nonplastic": "non-plastic culture",
          "plain": "plain (plastic's spikes)", "plain_np": "plain (non-plastic's spikes)",
          "floor": "floor: culture neurons, g+=w", "floor_scalar": "floor, scalar neuron loop",
          "floor_bg": "floor + background (pooled)",
          "floor_bg_direct": "floor + background (per neuron)",
          "profiled": "plastic, PROFILED",
          "profiled_before": "plastic, every optimisation off, PROFILED",
          "plain_profiled": "plain, PROFILED"}


def _category(name: str) -> str:
    """Coarse kind of a profiled code object, from Brian2's naming."""
    for key, cat in (("_background", "background Poisson"),
                     ("_push_spikes", "spike queues (push)"),
                     ("_ca_pre_codeobject", "synapses: plasticity ca_pre pathway"),
                     ("_post_codeobject", "synapses: post pathways"),
                     ("_pre_codeobject", "synapses: pre (release) pathways"),
                     ("_stateupdater", "neuron/OU state updates"),
                     ("_thresholder", "thresholds"), ("_resetter", "resets"),
                     ("_spikes_codeobject", "spike monitors"),
                     ("_source_codeobject", "spike generator (replay)")):
        if key in name:
            return cat
    return "other"


def _print_profile(label: str, res: dict, top: int) -> None:
    prof = res["profile"]
    if not prof:
        return
    total = sum(t for _, t in prof)
    cats = {}
    for name, t in prof:
        cats[_category(name)] = cats.get(_category(name), 0.0) + t
    print(f"\n{label}: time by kind (profiled {total:.2f} s of the {res['loop_s']:.2f} s "
          f"simulation loop)")
    for cat, t in sorted(cats.items(), key=lambda kv: -kv[1]):
        print(f"  {cat:<40s} {t:8.2f} s  {100 * t / total:5.1f} %"
              f"  {1e9 * t / max(res['events'], 1):7.1f} ns/event")
    print(f"{label}: top code objects")
    for name, t in prof[:top]:
        print(f"  {name:<40s} {t:8.2f} s  {100 * t / total:5.1f} %"
              f"  {1e9 * t / max(res['events'], 1):7.1f} ns/event")


def pathway_costs(res: dict, prefix: str = "pl_") -> dict:
    """ns per execution of the plastic E->E pathways (release ``pre``, delayed Ca2+
    ``ca_pre``, back-propagating spike ``post``) from a profiled plastic run: profiled
    time of the pathway's code object / its executions (contact events for pre and
    ca_pre, postsynaptic spikes x E->E in-degree for post)."""
    import re
    # Brian2 appends _1, _2, ... to a code object's name while an object of the same
    # name from an earlier project of this process is still alive.
    prof = {re.sub(r"_\d+$", "", name): t for name, t in res["profile"]}
    px = res["plastic_extra"]
    execs = {"pre": res["events_per_pathway"]["ee"], "ca_pre": px["ca_pre_events"],
             "post": px["post_events"]}
    out = {}
    for path, n_exec in execs.items():
        t = prof.get(f"{prefix}ee_{path}_codeobject")
        push = prof.get(f"{prefix}ee_{path}_push_spikes", 0.0)
        if t is None:
            continue
        out[path] = {"executions": int(n_exec), "s": float(t), "push_s": float(push),
                     "ns_per_execution": 1e9 * t / max(n_exec, 1),
                     "ns_per_event": 1e9 * t / max(res["events"], 1)}
    return out


def _cost(res: dict, key: str, what: str = "med_cpu_s") -> float:
    """Seconds per synaptic event of project ``key``."""
    return res[key][what] / max(res[key]["events"], 1)


def _per_neuron_step(res: dict, key: str, what: str = "med_cpu_s") -> float:
    """Seconds per neuron and time step of project ``key``."""
    return res[key][what] / (res[key]["n_neurons"] * res[key]["steps"])


def report(args, res: dict, load0, load1, breakdown: bool) -> None:
    """Print every table of the benchmark and write ``bench_culture.json``."""
    _print_runs(args, res, load0, load1)
    _print_cost_table(res)
    ratio, floor, ok_p, ok_f = _print_targets(res)
    abl = _ablation(args, res, ratio, floor, breakdown)
    _print_ablation(res, abl)
    limits = _neuron_limits(res)
    overhead, pw, pw_before = None, {}, {}
    if breakdown:
        overhead, pw, pw_before = _print_breakdown(args, res)
    rows = _summary_rows(args, res, load0, load1, ratio, floor, ok_p, ok_f)
    rows += _detail_rows(abl, pw, pw_before) + limits
    write_json("bench_culture", rows, {"results": {
        k: {kk: vv for kk, vv in r.items()
            if kk not in ("spikes", "pre_post", "directory")}
        for k, r in res.items()}, "profiling_overhead_s_per_object_step": overhead})


def _print_runs(args, res: dict, load0, load1) -> None:
    """Load, structure, and per project its rate and events (replays: their spikes)."""
    p = res["plastic"]
    n_all = p["n_exc"] + p["n_inh"]

    def rate(r):
        return sum(len(v[1]) for v in r["spikes"].values()) / n_all / args.duration

    print(f"\nload average: {load0[0]:.1f} at the start, {load1[0]:.1f} at the end "
          f"(1-min; the ratios are side by side: load falls on all projects alike)")
    print(f"structure: {p['n_exc']} E + {p['n_inh']} I, contacts "
          + ", ".join(f"{k} {v:,}" for k, v in p["n_contacts"].items())
          + f" (total {sum(p['n_contacts'].values()):,})")
    for k in ("plastic", "plastic_novec", "plastic_noprefetch", "plastic_noloop",
              "plastic_noshared", "plastic_noskip",
              "plastic_before", "nonplastic"):
        r = res[k]
        extra = ""
        if "plastic_extra" in r:
            px = r["plastic_extra"]
            extra = (f"; UP fraction {px['rho_up_fraction_init']:.3f} -> "
                     f"{px['rho_up_fraction']:.3f}")
        print(f"{k}: mean rate {rate(r):.2f} Hz, {r['events']:,} events{extra}")
    for k in ("plain", "floor"):
        print(f"{k}: replayed {res[k]['source_spikes']:,} source spikes; its own neurons "
              f"fired {res[k]['own_spikes']:,} (not fed back)")


def _print_cost_table(res: dict) -> None:
    """CPU and loop time per event of every project, and its ratio to its plain network."""
    reference = {k: "plain" for k in LABELS}
    reference.update(nonplastic="plain_np", plain_np="plain_np")
    keys = [k for k in LABELS if k in res]
    head = (f"{'network':<38s}{'compile s':>10s}{'CPU s':>8s}{'loop s':>8s}{'events':>13s}"
            f"{'ns/ev CPU':>10s}{'vs plain':>9s}{'ns/ev loop':>11s}{'vs plain':>9s}")
    print("\n" + head + "\n" + "-" * len(head))
    def cost(key, what="med_cpu_s"):
        return _cost(res, key, what)

    for k in keys:
        r, ref = res[k], reference[k]
        print(f"{LABELS[k]:<38s}{r['compile_s']:10.1f}{r['med_cpu_s']:8.2f}"
              f"{r['med_loop_s']:8.2f}{r['events']:13,d}{1e9 * cost(k):10.1f}"
              f"{cost(k) / cost(ref):8.2f}x{1e9 * cost(k, 'med_loop_s'):11.1f}"
              f"{cost(k, 'med_loop_s') / cost(ref, 'med_loop_s'):8.2f}x")
    print("CPU s: median CPU time of the simulation binary over the repeats (start-up, "
          "loop, writing results);\n  loop s: median wall time of the simulation loop "
          "alone (last_run_info.txt)")


def _print_targets(res: dict) -> tuple[float, float, bool, bool]:
    """The issue 18 verdicts: ``(plastic / plain, floor / plain, ok, ok)``."""
    ratio = _cost(res, "plastic") / _cost(res, "plain")
    floor = _cost(res, "floor") / _cost(res, "plain")
    ok_p, ok_f = ratio <= TARGET_PLASTIC, floor <= TARGET_FLOOR
    print("\nissue 18 targets (2000 neurons, unprofiled, CPU time per event):")
    print(f"  plastic / plain = {ratio:.2f}x (target <= {TARGET_PLASTIC:g}x): "
          f"{'PASS' if ok_p else 'FAIL'}")
    print(f"  floor / plain   = {floor:.2f}x (target <= {TARGET_FLOOR:g}x): "
          f"{'PASS' if ok_f else 'FAIL'}")
    return ratio, floor, ok_p, ok_f


def _ablation(args, res: dict, ratio: float, floor: float, breakdown: bool) -> list[tuple]:
    """Every optimisation before/after as its own row: ``(what, before, after)``."""
    def cost(key):
        return _cost(res, key)

    def per_neuron_step(key):
        return _per_neuron_step(res, key)

    abl = [
        ("vectorised neuron update: ns per neuron-step (neurons alone)",
         1e9 * per_neuron_step("neurons_scalar"), 1e9 * per_neuron_step("neurons")),
        ("pooled background: ns per neuron-step (background alone)",
         1e9 * per_neuron_step("background_direct"), 1e9 * per_neuron_step("background")),
        ("vectorised neuron update: floor, ns per event",
         1e9 * cost("floor_scalar"), 1e9 * cost("floor")),
        ("vectorised neuron update: plastic culture, ns per event",
         1e9 * cost("plastic_novec"), 1e9 * cost("plastic")),
        ("pooled background: floor + background, ns per event",
         1e9 * cost("floor_bg_direct"), 1e9 * cost("floor_bg")),
        ("vectorised: floor / plain ratio", cost("floor_scalar") / cost("plain"), floor),
        ("prefetch (post pathway): plastic culture, ns per event",
         1e9 * cost("plastic_noprefetch"), 1e9 * cost("plastic")),
        ("time loop without a clock read per step: plastic culture, ns per event",
         1e9 * cost("plastic_noloop"), 1e9 * cost("plastic")),
        ("kept exp arguments (STP decays): plastic culture, ns per event",
         1e9 * cost("plastic_noshared"), 1e9 * cost("plastic")),
        ("skipped synapse work: plastic, CPU s per simulated s",
         res["plastic_noskip"]["med_cpu_s"] / args.duration,
         res["plastic"]["med_cpu_s"] / args.duration),
        ("skipped synapse work: plastic culture, ns per event",
         1e9 * cost("plastic_noskip"), 1e9 * cost("plastic")),
        ("skipped synapse work: plastic / plain ratio",
         cost("plastic_noskip") / cost("plain"), ratio),
        ("all six: plastic culture, CPU s per simulated s (off -> on)",
         res["plastic_before"]["med_cpu_s"] / args.duration,
         res["plastic"]["med_cpu_s"] / args.duration),
        ("all six: plastic culture, ns per event (off -> on)",
         1e9 * cost("plastic_before"), 1e9 * cost("plastic")),
        ("all six: plastic / plain ratio (off -> on)",
         cost("plastic_before") / cost("plain"), ratio),
    ]
    if breakdown:
        abl += [
            ("profiling off: plain, ns per event (profiled -> not)",
             1e9 * cost("plain_profiled"), 1e9 * cost("plain")),
            ("profiling off: plastic, ns per event (profiled -> not)",
             1e9 * cost("profiled"), 1e9 * cost("plastic")),
            ("profiling off: plastic / plain ratio (profiled -> not)",
             cost("profiled") / cost("plain_profiled"), ratio),
        ]
    return abl


def _neuron_limits(res: dict) -> list[dict]:
    """What bounds the vectorised neuron update: ns per neuron-step with N neurons, with
    every state array in the first-level cache, and at the memory network's size;
    printed, and returned as JSON rows."""
    keys = [k for k in ("neurons", "neurons_cached", "neurons_memory") if k in res]
    if len(keys) < 3:
        return []
    ns = {k: 1e9 * _per_neuron_step(res, k) for k in keys}
    size = {k: res[k]["n_neurons"] for k in keys}
    print(f"\nneuron update alone (vectorised), ns per neuron-step: {size['neurons']} "
          f"neurons {ns['neurons']:.2f}; {size['neurons_cached']} neurons (every state "
          f"array in the first-level cache) {ns['neurons_cached']:.2f}; "
          f"{size['neurons_memory']} neurons (the memory network) "
          f"{ns['neurons_memory']:.2f}")
    print("(equal costs at both sizes: the update is bound by its arithmetic, not by "
          "memory; a higher cost at another size is the loop's remainder after its last "
          "full SIMD block, which runs scalar)")
    return [row(f"neuron update alone, ns per neuron-step, {size[k]} neurons", ns[k],
                reference=f"{size['neurons_cached']} neurons: "
                          f"{ns['neurons_cached']:.3g}",
                ratio=ns[k] / ns["neurons_cached"],
                note="ratio = this size / cache-resident size")
            for k in ("neurons", "neurons_memory")]


def _print_ablation(res: dict, abl: list[tuple]) -> None:
    """The ablation table and why some of its rows compare different events."""
    head = (f"{'optimisation (ablation)':<68s}{'before':>10s}{'after':>10s}"
            f"{'before/after':>14s}")
    print("\n" + head + "\n" + "-" * len(head))
    for what, before, after in abl:
        print(f"{what:<68s}{before:10.2f}{after:10.2f}{before / after:13.2f}x")
    p, pb, pn = res["plastic"], res["plastic_before"], res["plastic_noskip"]
    print(f"(without the pooled background or the skipped draws the random stream "
          f"differs: every optimisation off fired {pb['events']:,} events in this run, "
          f"without skipping {pn['events']:,}, against {p['events']:,}; a 10 s run holds "
          f"about one network burst (4.5 per minute), so their per-event costs are not at "
          f"the same event rate (see the rows per simulated second); every other row "
          f"compares identical events)")


def _print_breakdown(args, res: dict) -> tuple[float, dict, dict]:
    """The profiled breakdown: what profiling adds, where the plastic culture's time goes
    and each E->E pathway's cost per execution.  Returns ``(profiling overhead per code
    object and step, pathway costs, pathway costs with every optimisation off)``."""
    p = res["plastic"]
    n_all = p["n_exc"] + p["n_inh"]
    # What profiling adds: per code object and step (plain network: few objects).
    n_obj = len(res["plain_profiled"]["profile"])
    extra = res["plain_profiled"]["med_loop_s"] - res["plain"]["med_loop_s"]
    overhead = extra / (n_obj * res["plain"]["steps"])
    print(f"\nprofiling adds {1e9 * overhead:.0f} ns per code object and step (plain "
          f"network, {n_obj} code objects; loop times)")
    _print_profile(LABELS["profiled"], res["profiled"], args.top)
    pw = pathway_costs(res["profiled"])
    pw_before = (pathway_costs(res["profiled_before"], prefix="pb_")
                 if "profiled_before" in res else {})
    print("\nplastic E->E pathways (profiled breakdown; per execution; each code "
          f"object's time includes up to {overhead * res['profiled']['steps']:.2f} s of "
          "profiling per run):")
    for path, v in pw.items():
        before = pw_before.get(path)
        was = (f"; every optimisation off: {before['ns_per_execution']:.1f} ns per "
               f"execution, {before['executions']:,} executions" if before else "")
        print(f"  {path:<8s} {v['executions']:>13,d} executions  {v['s']:7.2f} s  "
              f"{v['ns_per_execution']:6.1f} ns per execution  "
              f"({v['ns_per_event']:5.1f} ns per synaptic event; spike queue push "
              f"{v['push_s']:.2f} s{was})")
    stu = sum(t for name, t in res["profiled"]["profile"] if "_stateupdater" in name
              and "modulation" not in name)
    print(f"  neuron state updates in the plastic culture: "
          f"{1e9 * stu / (n_all * res['profiled']['steps']):.1f} ns per neuron-step")
    return overhead, pw, pw_before


def _summary_rows(args, res: dict, load0, load1, ratio: float, floor: float, ok_p: bool,
                  ok_f: bool) -> list[dict]:
    """The JSON rows of the targets and the headline costs."""
    def cost(key):
        return _cost(res, key)

    p = res["plastic"]
    quick = "; --quick: not judged" if args.quick else ""
    setup = (f"{args.neurons} neurons, {args.duration:g} s, {p['events']:,} events; cost = "
             f"median binary CPU time / events over {args.repeats} round-robin repeats; "
             f"unprofiled; load {load0[0]:.1f}-{load1[0]:.1f}")
    return [
        row("cost per event, plastic culture / plain Brian2", ratio,
            reference="plain LIF network, same contacts and events", ratio=ratio,
            target=f"<= {TARGET_PLASTIC:g}x", passed=None if args.quick else ok_p,
            note=setup + quick),
        row("cost per event, floor (culture neurons, g += w) / plain", floor,
            reference="plain LIF network, same contacts and events", ratio=floor,
            target=f"<= {TARGET_FLOOR:g}x", passed=None if args.quick else ok_f,
            note="the culture's AdEx/AMPA/NMDA(B(V))/GABA neurons, vectorised, replaying "
                 "the plastic culture's spikes; no background, release or plasticity" + quick),
        row("cost per event, non-plastic culture / plain Brian2",
            cost("nonplastic") / cost("plain_np"), reference="plain, non-plastic's events",
            ratio=cost("nonplastic") / cost("plain_np")),
        row("cost per event, plastic / non-plastic culture",
            cost("plastic") / cost("nonplastic"), reference="non-plastic culture",
            ratio=cost("plastic") / cost("nonplastic"), note="what plasticity costs"),
        row("plastic culture, ns per event", 1e9 * cost("plastic"), note="binary CPU time"),
        row("plain network, ns per event", 1e9 * cost("plain"), note="binary CPU time"),
    ]


def _detail_rows(abl: list[tuple], pw: dict, pw_before: dict) -> list[dict]:
    """The JSON rows of the ablation and of the profiled E->E pathways."""
    rows = []
    for what, before, after in abl:
        rows.append(row(f"ablation: {what}", after, reference=f"before: {before:.3g}",
                        ratio=before / after, note="ratio = before / after"))
    for path, v in pw.items():
        before = pw_before.get(path)
        rows.append(row(f"plastic E->E pathway '{path}', ns per execution",
                        v["ns_per_execution"],
                        reference=(f"every optimisation off: {before['ns_per_execution']:.3g}"
                                   if before else ""),
                        ratio=(before["ns_per_execution"] / v["ns_per_execution"]
                               if before else None),
                        note=f"{v['executions']:,} executions; profiled breakdown projects "
                             "(not used in any other ratio)"))
    return rows
