"""Run every benchmark, one after the other, and print one table of their ratios.

Each benchmark script runs as its own subprocess (``OMP_NUM_THREADS=1``, never two at a
time, ``--quick`` passed through; no script profiles the networks it times: Brian2's
profiling adds about 1 us per code object and step, see ``bench_culture.py``) and, as
``__main__``, writes
``benchmarks/out/<name>.json`` (format in ``benchmarks/_common.py``).  This script
moves the old JSON of a benchmark to ``benchmarks/out/previous/`` before running it, tees the script's output to
``benchmarks/out/<name>.log``, and then collects the rows of all JSON files into one
markdown table, printed and written to ``benchmarks/out/summary.md``.  A script that is
missing, needs something not installed (``bench_nest.py``: the ``nest`` module; install
with ``pip install -e .[bench]``) or fails is reported as a row and the others still run.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/run_all.py [--quick]
[--only bench_sweep,bench_scaling] [--collect] [--strict]``   (``make bench``)

``--quick`` runs each benchmark's small smoke-test version (targets mostly not judged);
``--collect`` runs nothing and only tabulates the JSON files already in
``benchmarks/out/`` (e.g. after running scripts one by one); ``--strict`` exits with
status 1 if a benchmark failed to run or a target row FAILs.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

from _common import OUT_DIR, ROOT, machine_info, utc_now

HERE = os.path.dirname(os.path.abspath(__file__))

#: (name, Python modules it needs, what to do if one is missing), in running order.
BENCHMARKS = (
    ("bench_assay", (), ""),
    ("bench_culture", (), ""),
    ("bench_memory", (), ""),
    ("bench_nest", ("nest",), "nest-simulator not installed; pip install -e .[bench]"),
    ("bench_sweep", (), ""),
    ("bench_scaling", (), ""),
)


def status_row(what: str, note: str) -> dict:
    return {"what": what, "value": None, "reference": "", "ratio": None, "target": "",
            "pass": None, "note": note}


def run_one(name: str, needs: tuple, hint: str, quick: bool) -> tuple[list[dict], str, float]:
    """Run one benchmark script; (rows, status, wall seconds)."""
    script = os.path.join(HERE, f"{name}.py")
    if not os.path.exists(script):
        return [status_row("skipped", f"skipped: {name}.py not found")], "missing", 0.0
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        return [status_row("skipped", f"skipped: {hint}")], "skipped", 0.0
    json_path = OUT_DIR / f"{name}.json"
    log_path = OUT_DIR / f"{name}.log"
    if json_path.exists():          # never report a stale result as this run's
        (OUT_DIR / "previous").mkdir(exist_ok=True)
        os.replace(json_path, OUT_DIR / "previous" / json_path.name)
    cmd = [sys.executable, script] + (["--quick"] if quick else [])
    print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
    t0 = time.perf_counter()
    last = ""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
            if line.strip():
                last = line.strip()
        rc = proc.wait()
    wall = time.perf_counter() - t0
    rel_log = os.path.relpath(log_path, ROOT)
    if rc != 0:
        return [status_row("failed", f"failed: exit status {rc} ({last[:120]}); see "
                                     f"{rel_log}")], "failed", wall
    if not json_path.exists():
        return [status_row("failed", f"failed: no {json_path.name} written; see {rel_log}")], \
            "failed", wall
    with open(json_path) as fh:
        doc = json.load(fh)
    return doc.get("rows", []), "ok", wall


def collect_one(name: str) -> tuple[list[dict], str, float]:
    """The rows of an existing ``benchmarks/out/<name>.json`` (``--collect``)."""
    path = OUT_DIR / f"{name}.json"
    if not path.exists():
        return [status_row("no result", f"no {path.name}: not run")], "missing", 0.0
    with open(path) as fh:
        doc = json.load(fh)
    rows = [dict(r, note=(r.get("note", "") + f" [{doc.get('created_utc', '?')}]").strip())
            for r in doc.get("rows", [])]
    return rows, "collected", 0.0


def fmt(x, digits: int = 3) -> str:
    if x is None:
        return ""
    if x == 0 or 1e-3 <= abs(x) < 1e6:
        return f"{x:,.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{x:.{digits}g}"


def table(results: list[tuple[str, list[dict], str, float]]) -> str:
    lines = ["| benchmark | what | value | reference | ratio | target | pass | note |",
             "|---|---|---|---|---|---|---|---|"]
    for name, rows, _, _ in results:
        for r in rows:
            p = r.get("pass")
            verdict = "PASS" if p is True else "FAIL" if p is False else ""
            ratio = f"{fmt(r.get('ratio'))}x" if r.get("ratio") is not None else ""
            cells = [name, r.get("what", ""), fmt(r.get("value")), r.get("reference", ""),
                     ratio, r.get("target", ""), verdict, r.get("note", "")]
            lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke-test versions")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    ap.add_argument("--collect", action="store_true",
                    help="run nothing: tabulate the existing JSON files")
    ap.add_argument("--strict", action="store_true",
                    help="exit status 1 if a benchmark failed or a target FAILs")
    args = ap.parse_args()
    known = [b[0] for b in BENCHMARKS]
    only = [s for s in args.only.split(",") if s]
    unknown = [s for s in only if s not in known]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; allowed: {', '.join(known)}",
              file=sys.stderr)
        return 2
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = utc_now()
    results = []
    for name, needs, hint in BENCHMARKS:
        if only and name not in only:
            continue
        if args.collect:
            rows, status, wall = collect_one(name)
        else:
            rows, status, wall = run_one(name, needs, hint, args.quick)
        results.append((name, rows, status, wall))

    m = machine_info()
    mode = " (--quick)" if args.quick else ""
    mode += " (collected from existing results)" if args.collect else ""
    head = [f"# Benchmarks{mode}", "",
            f"Started {started}, finished {utc_now()}; {m['cpu']}, {m['cores']} cores, "
            f"{m['mem_total_gb']} GB; Python {m['python']}, Brian2 {m['brian2']}, "
            f"git {m['git_commit']}; OMP_NUM_THREADS=1; load average at the end "
            f"{m['load_average_1min']} (other processes make timings noisy).", "",
            "Scripts: " + ", ".join(f"{n} {s} ({w:.0f} s)" for n, _, s, w in results)
            + ". Logs and JSON in benchmarks/out/.", ""]
    text = "\n".join(head) + table(results) + "\n"
    (OUT_DIR / "summary.md").write_text(text)
    print("\n" + text)
    print(f"wrote {OUT_DIR / 'summary.md'}")
    failed = any(s == "failed" for _, _, s, _ in results)
    fails = any(r.get("pass") is False for _, rows, _, _ in results for r in rows)
    return 1 if args.strict and (failed or fails) else 0


if __name__ == "__main__":
    sys.exit(main())
