"""Throughput of the virtual bouton assays (synaptic-configuration issue).

Measures, in one process run, the default-scale bouton assay (80 branches, baseline
and elevated_mg) through the compile-once standalone device, and the same first
sample through Brian2's runtime (Cython) mode as the reference, and prints

* wall time of the build and of each rerun,
* throughput: presynaptic contact events (boutons x 60 spikes) per second of wall time,
* the ratio runtime / standalone for one sample.

As ``__main__`` it also writes ``benchmarks/out/bench_assay.json`` (see
``benchmarks/_common.py``): the ratio runtime / standalone per sample and the
standalone throughput, both for information (no target).

Run: ``.venv/bin/python benchmarks/bench_assay.py [--branches 80] [--skip-runtime]
[--quick]``  (``--quick``: 20 branches)
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

from _common import row, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=80)
    ap.add_argument("--skip-runtime", action="store_true")
    ap.add_argument("--quick", action="store_true", help="20 branches")
    args = ap.parse_args()
    if args.quick:
        args.branches = 20
    cache = tempfile.mkdtemp(prefix="mgnet-bench-")
    os.environ["MGNET_CACHE"] = cache  # cold build, measured
    from brian2 import mM, nS

    from mgnet.models.assay import AssaySample, run_field_assay
    from mgnet.models.backend import quiet_brian
    from mgnet.models.configuration import equilibrium_pr, sample_branches
    from mgnet.models.parameters import condition
    quiet_brian()
    base, elev = condition("baseline"), condition("elevated_mg")
    pop = sample_branches(args.branches, base.configuration, rng=0)
    samples = []
    for p in (base, elev):
        pr, _ = equilibrium_pr(pop, float(p.magnesium.mg_i / mM), 0.5, p.release,
                               p.configuration)
        samples.append(AssaySample(pr, float(p.receptors.q_ampa / nS) * pop.q_rel,
                                   float(p.magnesium.mg_o / mM)))
    events = pop.n_boutons * 60
    stamps = []
    t0 = time.perf_counter()
    run_field_assay(pop.branch_id, samples, base, device_name="cpp_standalone",
                    progress=lambda s, f: stamps.append((s, time.perf_counter())))
    t_end = time.perf_counter()
    t_build = stamps[1][1] - t0
    t_runs = (t_end - stamps[1][1]) / len(samples)
    print(f"boutons: {pop.n_boutons} on {pop.n_branches} branches; "
          f"contact events per sample: {events}")
    print(f"standalone: build {t_build:.1f} s (cold), {t_runs:.2f} s per sample, "
          f"{events / t_runs:,.0f} events/s, total {t_end - t0:.1f} s for 2 conditions")
    setup = f"{pop.n_boutons} boutons on {pop.n_branches} branches, {events} contact events"
    rows = [row("assay throughput, standalone (contact events/s)", events / t_runs,
                note=f"{setup}; cold build {t_build:.1f} s, {t_runs:.2f} s per sample")]
    if not args.skip_runtime:
        t1 = time.perf_counter()
        run_field_assay(pop.branch_id, samples[:1], base, device_name="runtime")
        t_rt = time.perf_counter() - t1
        print(f"runtime (Cython): {t_rt:.1f} s for one sample, {events / t_rt:,.0f} events/s")
        print(f"ratio runtime/standalone per sample: {t_rt / t_runs:.1f}x")
        rows.append(row("assay time per sample, runtime / standalone", t_rt / t_runs,
                        reference="compile-once standalone rerun", ratio=t_rt / t_runs,
                        note=f"{setup}; runtime {t_rt:.1f} s (build + run, Cython cache as found) vs "
                             f"{t_runs:.2f} s"))
    shutil.rmtree(cache, ignore_errors=True)
    write_json("bench_assay", rows)


if __name__ == "__main__":
    main()
