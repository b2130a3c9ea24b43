"""Memory per contact and a scaling curve of the plastic culture, 500 to 20 000 neurons (issue 6).

Issue 6 acceptance: "<= 200 bytes per contact; a 10^7-contact network builds and runs in
<= 8 GB", with "a scaling curve from 500 to 20 000 neurons (wall time and peak memory)".

The network is the plastic culture that ``bench_culture.py`` and the memory-encoding
experiment run: :func:`mgnet.models.culture.build_culture` at the ``baseline`` condition with
the calibrated :class:`~mgnet.models.parameters.CultureParams` and the Graupner-Brunel rule on
every E->E contact (``plasticity=params.plasticity``), spike monitors on, built for
``cpp_standalone`` (one thread, serial ``make``, compiled and linked as every project
of the package: :class:`mgnet.models.backend.StandaloneSession`) and run for ``--duration`` simulated
seconds (default 1 s).  The culture keeps the expected in-degree fixed (about 600
contacts per neuron), so the number of contacts grows linearly with the size: 20 000
neurons are about 1.2 x 10^7 contacts.

Every size runs in its own fresh Python subprocess (one after the other, never two at a
time) in a fresh temporary project directory, which records:

* contacts (all four pathways);
* build s: wall time of the Python side (structure, Brian2 objects, code generation and
  writing the static arrays), compile s: ``device.build`` (serial ``make``), run s: wall
  time of ``device.run`` (the binary's start-up that creates the contacts, the loop,
  writing the state arrays, reading them back for Brian2's NaN check), loop s: the
  simulation loop the binary reports (``last_run_info.txt``);
* peak RSS of the Python process (``getrusage(RUSAGE_SELF).ru_maxrss`` at the end, i.e.
  over build, compile and run), its RSS while the binary runs (``VmRSS`` just before
  ``device.run``), and the peak RSS of the compiler and of the simulation binary alone:
  Brian2 starts ``make`` and the binary through
  ``make_cmd_unix`` and ``run_cmd_unix`` (the session's ``make_cmd``/``run_cmd``), set here to this
  script in ``--exec-and-measure`` mode, which runs the command as its child and reports
  the largest ``ru_maxrss`` of its descendants (adds one Python start-up, ~0.05 s, to
  compile s and run s).  (``getrusage(RUSAGE_CHILDREN)`` of the Python process itself
  would not do: a child forked from it counts the parent's pages until it execs.)

Definitions:

* **bytes per contact** = (binary peak RSS at N - binary peak RSS at a tiny reference
  culture, ``--tiny`` neurons, default 50) / (contacts at N - contacts of the tiny one):
  the memory that the contacts and everything proportional to them (spike queues,
  per-neuron state) cost in the simulation, without the binary's fixed cost.  A
  least-squares slope over all sizes is printed as well.  Python's bytes per contact
  are given for information (the build keeps several index arrays per contact).
* **build-and-run peak** of a size = max(peak RSS of the Python process, its RSS while
  the binary runs + the binary's peak, its RSS during the compile + the compiler's
  peak): an upper bound of the memory the machine needs at any moment.  The 10^7-contact
  target is judged at the smallest measured size with >= 10^7 contacts (20 000 neurons
  by default); with fewer contacts it is only extrapolated (reported, not judged).

Also writes the curve to ``benchmarks/out/scaling.png``.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_scaling.py
[--sizes 500,1000,2000,5000,10000,20000] [--duration 1] [--seed 0] [--tiny 50] [--quick]``
(``--quick``: 500 and 1000 neurons only; also ``make bench``)
"""
from __future__ import annotations

import os
import sys


def _exec_and_measure(argv: list[str]) -> int:
    """``--exec-and-measure OUT CMD ...``: run CMD, write its peak RSS (KiB) to OUT."""
    import resource
    import subprocess
    out, cmd = argv[0], argv[1:]
    status = subprocess.call(cmd)
    with open(out, "w") as fh:
        fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
    return status


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--exec-and-measure":
    sys.exit(_exec_and_measure(sys.argv[2:]))

import argparse
import json
import resource
import shlex
import shutil
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import OUT_DIR, row, utc_now, write_json

TARGET_BYTES_PER_CONTACT = 200.0
TARGET_GB = 8.0
CONTACTS_1E7 = 1e7
DEFAULT_SIZES = (500, 1000, 2000, 5000, 10000, 20000)
QUICK_SIZES = (500, 1000)
MIB = 1024.0 ** 2   # ru_maxrss is in KiB on Linux; values below are in bytes


def _vm_rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


# --------------------------------------------------------------------------------------
# One size, in a fresh process
# --------------------------------------------------------------------------------------
def state_bytes(syn) -> tuple[int, list[str]]:
    """Bytes per synapse of the per-synapse arrays of a Brian2 Synapses object (each
    array once, references such as ``i`` -> ``_synaptic_pre`` not counted twice)."""
    import numpy as np
    from brian2.core.variables import DynamicArrayVariable
    seen, total, names = set(), 0, []
    for name, var in syn.variables.items():
        if (isinstance(var, DynamicArrayVariable) and not var.scalar and var.ndim == 1
                and var.owner.name == syn.name and id(var) not in seen):
            seen.add(id(var))
            total += np.dtype(var.dtype).itemsize
            names.append(name)
    return total, names


def worker(n: int, duration_s: float, seed: int, directory: str) -> dict:
    from brian2 import second

    from mgnet.models.backend import StandaloneSession, quiet_brian
    from mgnet.models.culture import build_culture
    from mgnet.models.parameters import CultureParams, condition

    quiet_brian()
    # The package's build flags (mgnet.models.backend), one thread; serial make, so that the
    # compiler's peak memory is that of one g++; make and the binary run under the
    # measuring wrapper; a cold build (no warm start).
    measure = [sys.executable, os.path.abspath(__file__), "--exec-and-measure"]
    make_rss, binary_rss = f"{directory}.make_maxrss_kib", f"{directory}.binary_maxrss_kib"
    with StandaloneSession(directory=directory, seed=seed, jobs=1, warm_start=False,
                           make_cmd=shlex.join(measure + [make_rss, "make"]),
                           run_cmd=measure + [binary_rss, "./main"]) as session:
        t0 = time.perf_counter()
        params, culture = condition("baseline"), CultureParams()
        cult = build_culture(n, params, culture, seed=seed, plasticity=params.plasticity)
        cult.net.run(duration_s * second, namespace={})
        build_s = time.perf_counter() - t0
        rss_compile = _vm_rss_bytes()
        t1 = time.perf_counter()
        session.build()
        compile_s = time.perf_counter() - t1
        with open(make_rss) as fh:
            compiler_peak = int(fh.read()) * 1024
        rss_run = _vm_rss_bytes()
        t2 = time.perf_counter()
        session.run()
        run_s = time.perf_counter() - t2
        with open(binary_rss) as fh:
            binary_peak = int(fh.read()) * 1024
        cult.check_finite()
        n_spikes = sum(len(t) for t, _ in cult.spike_data().values())
        contacts = cult.structure.n_contacts()
        state = {name: state_bytes(syn) for name, syn in cult.synapses.items()}
        # Initial values given as arrays are static arrays that the binary loads (and keeps).
        static_dir = os.path.join(directory, "static_arrays")
        static = sum(os.path.getsize(os.path.join(static_dir, f)) for f in os.listdir(static_dir))
        return {"n_neurons": n, "contacts": int(sum(contacts.values())),
                "contacts_per_pathway": {k: int(v) for k, v in contacts.items()},
                "build_s": build_s, "compile_s": compile_s, "run_s": run_s,
                "loop_s": float(session.brian_device._last_run_time), "duration_s": duration_s,
                "rate_hz": n_spikes / n / duration_s,
                "python_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "python_rss_compile": rss_compile, "python_rss_run": rss_run,
                "compiler_peak": compiler_peak, "binary_peak": binary_peak,
                "static_array_bytes": static,
                "state_bytes": {k: v[0] for k, v in state.items()},
                "state_arrays": {k: v[1] for k, v in state.items()},
                "pathways": {k: len(syn._pathways) for k, syn in cult.synapses.items()}}


def run_size(n: int, args, tmp: str) -> dict:
    """Run :func:`worker` for ``n`` neurons in a fresh subprocess; its result dict."""
    directory = os.path.join(tmp, f"n{n}")
    out = os.path.join(tmp, f"n{n}.json")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(n), "--duration",
           str(args.duration), "--seed", str(args.seed), "--directory", directory,
           "--result", out]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS="1"))
    wall = time.perf_counter() - t0
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    if proc.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"the {n}-neuron run failed (exit status {proc.returncode})")
    with open(out) as fh:
        res = json.load(fh)
    res["total_s"] = wall
    res["load_avg"] = os.getloadavg()[0]
    res["peak"] = max(res["python_peak"], res["python_rss_run"] + res["binary_peak"],
                      res["python_rss_compile"] + res["compiler_peak"])
    return res


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------
def plot(results: list[dict], tiny: dict, path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    n = np.array([r["n_neurons"] for r in results])
    c = np.array([r["contacts"] for r in results], dtype=float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, style in (("build_s", "build (Python + codegen)", "o-"),
                              ("compile_s", "compile", "s-"), ("run_s", "run", "^-"),
                              ("loop_s", "of it: simulation loop", "v--"),
                              ("total_s", "total", "k.-")):
        ax1.plot(n, [r[key] for r in results], style, label=label)
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("neurons")
    ax1.set_ylabel("wall time (s)")
    ax1.set_title(f"wall time, {results[0]['duration_s']:g} s simulated, 1 thread")
    ax1.legend(fontsize=8)
    gb = 1e9
    for key, label, style in (("peak", "build-and-run peak (bound)", "k.-"),
                              ("python_peak", "Python process peak", "o-"),
                              ("binary_peak", "simulation binary peak", "^-")):
        ax2.plot(c, [r[key] / gb for r in results], style, label=label)
    x = np.linspace(0, max(c.max(), CONTACTS_1E7) * 1.05, 50)
    ax2.plot(x, (tiny["binary_peak"] + TARGET_BYTES_PER_CONTACT * x) / gb, ":", color="grey",
             label=f"{TARGET_BYTES_PER_CONTACT:g} B/contact (target)")
    ax2.axhline(TARGET_GB, color="r", lw=0.8, ls="--", label=f"{TARGET_GB:g} GB")
    ax2.axvline(CONTACTS_1E7, color="r", lw=0.8, ls=":")
    ax2.set_xlabel("contacts")
    ax2.set_ylabel("peak RSS (GB)")
    ax2.set_title("peak memory")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def measure(args) -> tuple[dict, list[dict]]:
    """Run the reference culture and every size, one subprocess each."""
    sizes = list(QUICK_SIZES) if args.quick else [int(s) for s in args.sizes.split(",")]
    print(f"scaling: plastic culture, sizes {sizes} (+ {args.tiny} as the reference), "
          f"{args.duration:g} s simulated each, cpp_standalone, one thread, one size per "
          f"subprocess; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
          flush=True)
    tmp = tempfile.mkdtemp(prefix="mgnet-bench-scaling-")
    try:
        results = []
        for n in [args.tiny] + sizes:
            r = run_size(n, args, tmp)
            results.append(r)
            print(f"  {n} neurons: {r['contacts']:,} contacts, total {r['total_s']:.0f} s, "
                  f"binary peak {r['binary_peak'] / MIB:,.0f} MiB, Python peak "
                  f"{r['python_peak'] / MIB:,.0f} MiB; load average {r['load_avg']:.1f}",
                  flush=True)
    finally:
        if args.keep:
            print(f"projects kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return results[0], results[1:]


def _per_contact(tiny: dict, r: dict, key: str) -> float:
    """Bytes of ``key`` per contact above the tiny reference culture."""
    return (r[key] - tiny[key]) / max(r["contacts"] - tiny["contacts"], 1)


def report(tiny: dict, results: list[dict], args) -> None:
    """Print the table and the verdicts, draw the figure, write the JSON."""
    _print_table(tiny, results, args)
    slope, state_mean = _print_memory_model(tiny, results)
    verdicts = _print_verdicts(tiny, results)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    plot(results, tiny, OUT_DIR / "scaling.png")
    setup = (f"plastic culture, {args.duration:g} s simulated, cpp_standalone, 1 thread; "
             f"reference {tiny['n_neurons']} neurons")
    rows = _rows(tiny, results, slope, state_mean, verdicts)
    write_json("bench_scaling", rows, {"setup": setup, "measured_utc": args.measured_utc,
                                       "reference_size": tiny, "sizes": results})


def _print_table(tiny: dict, results: list[dict], args) -> None:
    """Times and peak memories of every size, and bytes per contact above the reference."""
    def per_contact(r, key):
        return _per_contact(tiny, r, key)

    if not args.from_json:
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other processes make "
              f"the timings noisy)")
    head = (f"{'neurons':>8s}{'contacts':>13s}{'build s':>9s}{'compile s':>10s}{'run s':>8s}"
            f"{'loop s':>8s}{'total s':>9s}{'Python MiB':>11s}{'binary MiB':>11s}"
            f"{'peak MiB':>10s}{'B/contact':>10s}{'Py B/c':>8s}")
    print("\n" + head)
    print("-" * len(head))
    for r in [tiny] + results:
        bpc = f"{per_contact(r, 'binary_peak'):10.0f}" if r is not tiny else f"{'(ref)':>10s}"
        pbc = f"{per_contact(r, 'python_peak'):8.0f}" if r is not tiny else f"{'':>8s}"
        print(f"{r['n_neurons']:8d}{r['contacts']:13,d}{r['build_s']:9.1f}"
              f"{r['compile_s']:10.1f}{r['run_s']:8.1f}{r['loop_s']:8.1f}{r['total_s']:9.1f}"
              f"{r['python_peak'] / MIB:11,.0f}{r['binary_peak'] / MIB:11,.0f}"
              f"{r['peak'] / MIB:10,.0f}{bpc}{pbc}")
    print("B/contact: (binary peak - binary peak of the reference) / (contacts - its "
          "contacts); Py B/c: the same for the Python process;\n  peak: build-and-run peak "
          "= max(Python peak, Python RSS during the run + binary peak, Python RSS during "
          "the compile + compiler peak)")


def _print_memory_model(tiny: dict, results: list[dict]) -> tuple[float, float]:
    """The least-squares slope of the binary peak and what the model's per-contact
    state accounts for; returns ``(slope, mean state bytes per contact)``."""
    import numpy as np
    c = np.array([r["contacts"] for r in [tiny] + results], dtype=float)
    slope = float(np.polyfit(c, [r["binary_peak"] for r in [tiny] + results], 1)[0]) \
        if len(c) > 1 else float("nan")
    print(f"least-squares slope of the binary peak over all sizes: {slope:.0f} bytes/contact;"
          f" mean rate at the largest size {results[-1]['rate_hz']:.2f} Hz")
    # What the model's per-contact state accounts for (contact-weighted mean).
    big_r = results[-1]
    cpp = big_r["contacts_per_pathway"]
    state_mean = sum(big_r["state_bytes"][k] * cpp[k] for k in cpp) / sum(cpp.values())
    print(f"per-contact state arrays of the model: {state_mean:.0f} bytes/contact on average ("
          + ", ".join(f"{k} {big_r['state_bytes'][k]} B x {cpp[k]:,}" for k in cpp)
          + f"); static arrays (initial values, loaded by the binary) "
          f"{big_r['static_array_bytes'] / big_r['contacts']:.0f} bytes/contact; the rest "
          "is spike queues (4 B per contact and pathway) and allocator overhead")
    print(f"  E->E arrays: {', '.join(big_r['state_arrays']['ee'])}")
    return slope, state_mean


def _print_verdicts(tiny: dict, results: list[dict]) -> dict:
    """The issue 6 targets: bytes per contact at the largest size, and the build-and-run
    peak of a 10^7-contact network (measured, or extrapolated and not judged)."""
    def per_contact(r, key):
        return _per_contact(tiny, r, key)

    largest = results[-1]
    bpc = per_contact(largest, "binary_peak")
    ok_bpc = bpc <= TARGET_BYTES_PER_CONTACT
    big = [r for r in results if r["contacts"] >= CONTACTS_1E7]
    gb = 1e9
    if big:
        r7 = big[0]
        peak7, measured = r7["peak"] / gb, True
        note7 = (f"measured at {r7['n_neurons']} neurons ({r7['contacts']:,} contacts): "
                 f"Python {r7['python_peak'] / gb:.2f} GB, binary "
                 f"{r7['binary_peak'] / gb:.2f} GB")
    else:
        # Extrapolate every part linearly in the contacts from the largest size.
        scale = lambda key: tiny[key] + per_contact(largest, key) * (CONTACTS_1E7
                                                                     - tiny["contacts"])
        peak7 = max(scale("python_peak"), scale("python_rss_run") + scale("binary_peak")) / gb
        measured = False
        note7 = (f"extrapolated linearly from {largest['n_neurons']} neurons "
                 f"({largest['contacts']:,} contacts); not judged")
    ok7 = peak7 <= TARGET_GB
    print(f"\n{'':<52s}{'measured':>12s}{'target':>11s}")
    print(f"{'bytes per contact (binary, ' + str(largest['n_neurons']) + ' neurons)':<52s}"
          f"{bpc:12.0f}{'<= 200':>11s}  {'PASS' if ok_bpc else 'FAIL'}")
    print(f"{'build-and-run peak of a 10^7-contact network (GB)':<52s}{peak7:12.2f}"
          f"{'<= 8 GB':>11s}  {('PASS' if ok7 else 'FAIL') if measured else '(extrapolated)'}")
    if not measured:
        print(f"  {note7}")
    return {"bpc": bpc, "ok_bpc": ok_bpc, "peak7": peak7, "measured": measured,
            "note7": note7, "ok7": ok7}


def _rows(tiny: dict, results: list[dict], slope: float, state_mean: float,
          v: dict) -> list[dict]:
    """The JSON rows: the two targets and the wall time of every size."""
    largest = results[-1]
    gb = 1e9
    rows = [row(f"bytes per contact, simulation binary ({largest['n_neurons']} neurons)",
                v["bpc"],
                reference=f"binary peak RSS above a {tiny['n_neurons']}-neuron culture",
                target="<= 200 B", passed=v["ok_bpc"],
                note=f"{largest['contacts']:,} contacts; least-squares slope {slope:.0f} B; "
                     f"model state arrays {state_mean:.0f} B; Python build "
                     f"{_per_contact(tiny, largest, 'python_peak'):.0f} B/contact"),
            row("build-and-run peak memory, 10^7 contacts (GB)", v["peak7"],
                reference="max(Python peak, Python + binary, Python + compiler)",
                target="<= 8 GB", passed=v["ok7"] if v["measured"] else None, note=v["note7"])]
    for r in results:
        rows.append(row(f"scaling {r['n_neurons']} neurons: wall time (s)", r["total_s"],
                        note=f"{r['contacts']:,} contacts; build {r['build_s']:.1f} + compile "
                             f"{r['compile_s']:.1f} + run {r['run_s']:.1f} s (loop "
                             f"{r['loop_s']:.1f} s); peak {r['peak'] / gb:.2f} GB (Python "
                             f"{r['python_peak'] / gb:.2f}, binary {r['binary_peak'] / gb:.2f})"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="comma-separated numbers of neurons")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated s per size")
    ap.add_argument("--seed", type=int, default=0, help="structure and Brian2 seed")
    ap.add_argument("--tiny", type=int, default=50,
                    help="neurons of the reference culture for the fixed memory cost")
    ap.add_argument("--quick", action="store_true",
                    help=f"sizes {','.join(map(str, QUICK_SIZES))} only (targets not judged "
                         "at 10^7 contacts)")
    ap.add_argument("--keep", action="store_true", help="keep the standalone projects")
    ap.add_argument("--from-json", metavar="FILE",
                    help="no measurement: report and redraw from a bench_scaling.json")
    # Internal: one size in this process.
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--directory", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker is not None:
        res = worker(args.worker, args.duration, args.seed, args.directory)
        with open(args.result, "w") as fh:
            json.dump(res, fh)
        return

    if args.from_json:
        with open(args.from_json) as fh:
            doc = json.load(fh)
        tiny, results = doc["reference_size"], doc["sizes"]
        args.duration = results[0]["duration_s"]
        args.measured_utc = doc.get("measured_utc", doc.get("created_utc"))
        print(f"report from {args.from_json} (measured {doc.get('created_utc', '?')})")
    else:
        tiny, results = measure(args)
        args.measured_utc = utc_now()
    report(tiny, results, args)


if __name__ == "__main__":
    main()
