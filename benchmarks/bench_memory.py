"""CPU time of a default memory-encoding run: commit 3eb2f17 vs this checkout, interleaved
(issue 18).

Issue 18 acceptance: "A default memory-encoding run: CPU time before (commit 3eb2f17,
checked out into a temporary worktree by the benchmark) and after, interleaved, on the
same machine; the ratio printed."

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_memory.py [--ref 3eb2f17]
[--seed 0] [--condition baseline] [--rounds 2] [--scale default] [--keep] [--quick]``
(also ``make bench``; ``--quick``: quick scale, one round).  As ``__main__`` it writes
``benchmarks/out/bench_memory.json``.

What runs: ``git worktree add --detach`` puts the reference commit into a temporary
directory (removed at the end; ``git archive`` if a worktree cannot be added).  Both
versions then run the same command, ``python -m mgnet.experiments.cli run memory-encoding
--scale S --seed N --condition C`` (the top-level package in a tree from before issue
16), each in its own subprocess with its own tree first on ``PYTHONPATH``
(:func:`_common.checkout_cli`; the same virtual environment, Brian2 and compiler), one
thread, and its own empty standalone cache (``MGNET_CACHE``).  The first run of each version
compiles its project (reported, not used in the ratio); then ``--rounds`` rounds run
both versions on the warm caches, in alternating order (ref, now, now, ref, ...), so
that load on the machine falls on both alike.  CPU time = user + system time of the
run's process tree (Python, the simulation binary): the cost of a run once its project
is compiled, as in a sweep.  The two versions draw different random streams (the
pooled background), so their spikes differ; the run files' rates and burst rates are
printed as a sanity check.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from _common import ROOT, checkout_cli, row, write_json

REF = "3eb2f17"


def checkout(ref: str, dest: str) -> str:
    """The tree of ``ref`` in ``dest``: a detached git worktree, else ``git archive``;
    returns how."""
    r = subprocess.run(["git", "worktree", "add", "--detach", dest, ref], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode == 0:
        return "worktree"
    os.makedirs(dest, exist_ok=True)
    arch = subprocess.run(f"git archive {ref} | tar -x -C {dest}", shell=True, cwd=ROOT,
                          capture_output=True, text=True)
    if arch.returncode != 0:
        raise RuntimeError(f"cannot check out {ref}: {r.stderr.strip()} / "
                           f"{arch.stderr.strip()}")
    return "archive"


def remove_checkout(dest: str, how: str) -> None:
    if how == "worktree":
        subprocess.run(["git", "worktree", "remove", "--force", dest], cwd=ROOT,
                       capture_output=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)
    shutil.rmtree(dest, ignore_errors=True)


def run_once(tree: str, cache: str, out: str, args) -> dict:
    """One ``mgnet run memory-encoding`` with the code of ``tree``; wall and CPU s."""
    # the module of the tree's mgnet entry point (a top-level package before issue 16)
    # with the tree's code first on PYTHONPATH
    module, path = checkout_cli(tree, os.path.dirname(cache))
    env = dict(os.environ, OMP_NUM_THREADS="1", MGNET_CACHE=cache,
               PYTHONPATH=os.pathsep.join(p for p in (path, os.environ.get("PYTHONPATH"))
                                          if p))
    cmd = [sys.executable, "-m", module, "run", "memory-encoding", "--scale",
           args.scale, "--seed", str(args.seed), "--condition", args.condition, "--out",
           out, "--quiet"]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"run failed in {tree}: {proc.stderr.strip()[-500:]}")
    return {"wall_s": wall,
            "cpu_s": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)}


def summary(path: str) -> dict:
    """Rates and a few metrics of a run file (analysis only, no brian2)."""
    from mgnet.analysis.run_file import read_run
    run = read_run(path)
    out = {}
    t_stop = max(float(p.get("t_stop", 0.0)) for p in run.protocol.values()) \
        if run.protocol else None
    for pop, (t, _ids) in run.spikes.items():
        n = int(run.metrics.get(f"n_{pop}", 0)) or None
        if n and t_stop:
            out[f"rate_{pop}_hz"] = len(t) / (n * t_stop)
        out[f"spikes_{pop}"] = len(t)
    for key in ("overlap_mean", "burst_rate_consolidation_per_min", "up_fraction_end",
                "specificity"):
        if key in run.metrics:
            out[key] = float(run.metrics[key])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default=REF, help="reference commit (before)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--condition", default="baseline")
    ap.add_argument("--scale", default="default")
    ap.add_argument("--rounds", type=int, default=2,
                    help="warm rounds per version after the compiling run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--quick", action="store_true", help="quick scale, one round")
    args = ap.parse_args()
    if args.quick:
        args.scale, args.rounds = "quick", 1

    tmp = tempfile.mkdtemp(prefix="mgnet-bench-memory-")
    ref_tree = os.path.join(tmp, "ref")
    trees = {"before": ref_tree, "after": str(ROOT)}
    print(f"memory-encoding --scale {args.scale} --seed {args.seed} --condition "
          f"{args.condition}: {args.ref} (before) vs this checkout (after), one thread, "
          f"{args.rounds} warm rounds, interleaved; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)
    how = None
    res = {k: {"cold": None, "warm": [], "summary": None} for k in trees}
    try:
        how = checkout(args.ref, ref_tree)
        print(f"  {args.ref} checked out ({how}) in {ref_tree}", flush=True)
        caches = {k: os.path.join(tmp, f"cache_{k}") for k in trees}
        order = ["before", "after"]
        for k in order:                                     # compiling runs
            out = os.path.join(tmp, f"{k}_cold.h5")
            res[k]["cold"] = run_once(trees[k], caches[k], out, args)
            res[k]["summary"] = summary(out)
            print(f"  {k}: first run (compiles) {res[k]['cold']['wall_s']:.1f} s wall, "
                  f"{res[k]['cold']['cpu_s']:.1f} CPU-s", flush=True)
        for r in range(args.rounds):
            for k in (order if r % 2 == 0 else order[::-1]):
                out = os.path.join(tmp, f"{k}_{r}.h5")
                m = run_once(trees[k], caches[k], out, args)
                res[k]["warm"].append(m)
                print(f"  round {r + 1}: {k} {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} "
                      f"CPU-s (load average {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        if how and not args.keep:
            remove_checkout(ref_tree, how)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")

    med = {k: statistics.median(m["cpu_s"] for m in res[k]["warm"]) for k in trees}
    med_wall = {k: statistics.median(m["wall_s"] for m in res[k]["warm"]) for k in trees}
    ratio = med["before"] / med["after"]
    print(f"\n{'version':<10s}{'cold CPU-s':>12s}{'warm CPU-s (median)':>22s}"
          f"{'warm wall s':>13s}  run file")
    for k in trees:
        s = res[k]["summary"]
        desc = ", ".join(f"{kk} {vv:.3g}" for kk, vv in s.items())
        print(f"{k:<10s}{res[k]['cold']['cpu_s']:12.1f}{med[k]:22.1f}{med_wall[k]:13.1f}"
              f"  {desc}")
    print(f"\nCPU time per warm run, before / after: {ratio:.2f}x "
          f"(cold, including the compile: "
          f"{res['before']['cold']['cpu_s'] / res['after']['cold']['cpu_s']:.2f}x); "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    note = (f"--scale {args.scale} --seed {args.seed} --condition {args.condition}; "
            f"median of {args.rounds} interleaved warm runs; CPU = user+system of the run")
    write_json("bench_memory", [
        row(f"memory-encoding run, CPU s: {args.ref} / now", ratio,
            reference=f"{args.ref}: {med['before']:.1f} CPU-s; now: {med['after']:.1f} CPU-s",
            ratio=ratio, note=note),
        row("memory-encoding run with its compile, CPU s: before / now",
            res["before"]["cold"]["cpu_s"] / res["after"]["cold"]["cpu_s"],
            reference=f"{res['before']['cold']['cpu_s']:.1f} vs "
                      f"{res['after']['cold']['cpu_s']:.1f} CPU-s",
            ratio=res["before"]["cold"]["cpu_s"] / res["after"]["cold"]["cpu_s"],
            note="first run of each version: cold standalone cache"),
    ], {"results": res, "ref": args.ref})
    return 0


if __name__ == "__main__":
    sys.exit(main())
