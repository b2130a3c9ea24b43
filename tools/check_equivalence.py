#!/usr/bin/env python3
"""Behaviour-equivalence check: ``mgnet reproduce --scale quick`` on a base commit and on
the working tree, then every run file compared dataset by dataset.

Usage::

    python tools/check_equivalence.py --base main [--only EXP[,EXP...]]
                                      [--work DIR] [--reuse-base] [--workers N]
    make check-equivalence BASE=main [ONLY=culture-activity]

The base commit is checked out into a temporary ``git worktree`` (under ``--work``), the
working tree is used as it is (uncommitted changes included).  Both sides run with the
interpreter of this virtual environment and the checkout first on ``PYTHONPATH`` (the
command-line entry point is read from each side's ``pyproject.toml``, so a layout change
between the two commits is followed), each with its own standalone cache.  A run-file pair
is *identical* when

- the same HDF5 groups and datasets exist, with the same shape, dtype and values (NaN equal
  to NaN, no tolerance);
- every attribute of every group and dataset is equal, except the root attributes that
  record when, where and with which software the run was made (:data:`PROVENANCE`);
- the ``/metrics`` attributes (the run's scalar results) are equal, except the wall-clock
  timings (:data:`TIMING_METRICS`);
- the resolved config (root ``config_toml``) is equal -- reported in its own column.

The check prints one table row per run file and exits 1 on any difference or on a run
file present on one side only (2 on bad input).  ``--reuse-base`` keeps the base side's
results from an earlier check of the same commit and ``--only`` (its run files do not
change), so later checks only rerun the working tree.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import h5py
import numpy as np

#: Root attributes that record the commit, time, run id, paths or software versions.
PROVENANCE = frozenset({"created_utc", "git_commit", "git_dirty", "mgnet_version",
                        "brian2_version", "numpy_version", "python_version", "run_id"})
#: ``/metrics`` that are wall-clock timings of the run (seconds to build, compile, run):
#: they differ between any two runs, so they are not compared.
TIMING_METRICS = frozenset({"build_s", "compile_s", "run_s", "wall_per_sim_s"})
#: The resolved config: compared, but reported in its own column.
CONFIG_ATTR = "config_toml"

REPO = Path(__file__).resolve().parent.parent


def _entry_point(checkout: Path) -> tuple[str, str]:
    """(module, function) of the ``mgnet`` console script of a checkout."""
    meta = tomllib.loads((checkout / "pyproject.toml").read_text())
    module, func = meta["project"]["scripts"]["mgnet"].split(":")
    return module, func


def _package_dirs(checkout: Path) -> dict[str, str]:
    """``[tool.setuptools.package-dir]`` of a checkout's ``pyproject.toml`` ({} if none)."""
    meta = tomllib.loads((checkout / "pyproject.toml").read_text())
    return dict(meta.get("tool", {}).get("setuptools", {}).get("package-dir", {}))


def _import_root(checkout: Path, module: str, scratch: Path) -> Path:
    """The directory to put first on ``PYTHONPATH`` so that ``module`` imports from
    ``checkout`` (uninstalled):

    - top-level packages (``experiments.cli``, the layout before issue 16): the checkout;
    - a package-dir mapping (``mgnet.experiments.cli`` with ``"mgnet" = "src/mgnet"``,
      ``"mgnet.experiments" = "experiments"``, ...): a directory of symbolic links laid
      out as the installed package would be;
    - otherwise (the package's ``__init__.py`` at the checkout's root): a directory holding
      a link named after the package.
    """
    top = module.split(".")[0]
    mapping = _package_dirs(checkout)
    if not mapping and (checkout / top).is_dir():
        return checkout
    tag = hashlib.sha1(str(checkout.resolve()).encode()).hexdigest()[:10]
    root = scratch / f"pythonpath-{tag}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    if mapping:
        for pkg, src in sorted(mapping.items(), key=lambda kv: kv[0].count(".")):
            dest = root.joinpath(*pkg.split("."))
            src_dir = (checkout / src).resolve()
            if pkg.count(".") == 0:
                dest.mkdir(parents=True, exist_ok=True)
                for entry in src_dir.iterdir():
                    (dest / entry.name).symlink_to(entry, entry.is_dir())
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.symlink_to(src_dir, target_is_directory=True)
        return root
    (root / top).symlink_to(checkout.resolve(), target_is_directory=True)
    return root


def run_reproduce(checkout: Path, results: Path, cache: Path, scratch: Path,
                  only: str | None, workers: int | None) -> float:
    """``mgnet reproduce --scale quick`` of ``checkout`` into ``results``; wall seconds."""
    module, func = _entry_point(checkout)
    root = _import_root(checkout, module, scratch)
    env = dict(os.environ, PYTHONPATH=str(root), OMP_NUM_THREADS="1",
               MGNET_CACHE=str(cache), MPLBACKEND="Agg")
    env.pop("MGNET_RESULTS", None)
    args = ["reproduce", "--scale", "quick", "--results", str(results), "--quiet"]
    if only:
        args += ["--only", only]
    if workers:
        args += ["--workers", str(workers)]
    code = (f"import sys; from {module} import {func} as m; "
            f"sys.exit(m(sys.argv[1:]))")
    log = results.parent / f"{results.name}.log"
    t0 = time.time()
    print(f"[{checkout}] mgnet {' '.join(args)}  (log {log})", flush=True)
    with open(log, "w") as fh:
        proc = subprocess.run([sys.executable, "-c", code, *args], cwd=checkout, env=env,
                              stdout=fh, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = log.read_text().splitlines()[-15:]
        raise SystemExit(f"reproduce failed in {checkout} (exit {proc.returncode}):\n"
                         + "\n".join(tail))
    return time.time() - t0


def _value_equal(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _attrs_diff(where: str, a, b, skip=frozenset()) -> list[str]:
    out = []
    for key in sorted(set(a) | set(b)):
        if key in skip:
            continue
        if key not in a or key not in b:
            out.append(f"{where}@{key}: only in {'base' if key in a else 'head'}")
        elif not _value_equal(a[key], b[key]):
            out.append(f"{where}@{key}: {a[key]!r} != {b[key]!r}"[:300])
    return out


def _objects(f: h5py.File) -> dict:
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def compare_files(base: Path, head: Path) -> dict:
    """Differences between two run files, by kind: ``datasets``, ``metrics``, ``attrs``,
    ``config`` (lists of one-line descriptions) and counts ``n_datasets``/``n_metrics``."""
    diff = {"datasets": [], "metrics": [], "attrs": [], "config": []}
    with h5py.File(base, "r") as fa, h5py.File(head, "r") as fb:
        oa, ob = _objects(fa), _objects(fb)
        n_data = 0
        for name in sorted(set(oa) | set(ob)):
            if name not in oa or name not in ob:
                diff["datasets"].append(f"/{name}: only in {'base' if name in oa else 'head'}")
                continue
            a, b = oa[name], ob[name]
            if isinstance(a, h5py.Dataset) != isinstance(b, h5py.Dataset):
                diff["datasets"].append(f"/{name}: group vs dataset")
                continue
            kind = "metrics" if name == "metrics" else "attrs"
            diff[kind] += _attrs_diff(f"/{name}", dict(a.attrs), dict(b.attrs),
                                      skip=TIMING_METRICS if kind == "metrics" else frozenset())
            if isinstance(a, h5py.Dataset):
                n_data += 1
                if not _value_equal(a[()], b[()]):
                    diff["datasets"].append(f"/{name}: values differ "
                                            f"({a.shape} {a.dtype} vs {b.shape} {b.dtype})")
        diff["attrs"] += _attrs_diff("/", dict(fa.attrs), dict(fb.attrs),
                                     skip=PROVENANCE | {CONFIG_ATTR})
        ca, cb = fa.attrs.get(CONFIG_ATTR), fb.attrs.get(CONFIG_ATTR)
        if ca != cb:
            la, lb = str(ca).splitlines(), str(cb).splitlines()
            diff["config"] += [f"-{x}" for x in la if x not in lb]
            diff["config"] += [f"+{x}" for x in lb if x not in la]
        diff["n_datasets"] = n_data
        diff["n_metrics"] = len(fa["metrics"].attrs) if "metrics" in fa else 0
    return diff


def compare_trees(base: Path, head: Path) -> tuple[list[tuple], list[str]]:
    """Table rows (file, datasets, metrics, attrs, config, verdict) and the details."""
    fa = {p.relative_to(base) for p in (base / "runs").rglob("*.h5")}
    fb = {p.relative_to(head) for p in (head / "runs").rglob("*.h5")}
    rows, details = [], []
    for rel in sorted(fa | fb):
        name = str(rel.relative_to("runs"))
        if rel not in fa or rel not in fb:
            rows.append((name, "-", "-", "-", "-", f"ONLY IN {'BASE' if rel in fa else 'HEAD'}"))
            continue
        d = compare_files(base / rel, head / rel)
        bad = {k: len(d[k]) for k in ("datasets", "metrics", "attrs", "config")}
        rows.append((name,
                     f"{d['n_datasets'] - bad['datasets']}/{d['n_datasets']}"
                     if not bad["datasets"] else f"{bad['datasets']} DIFFER",
                     f"{d['n_metrics']} equal" if not bad["metrics"]
                     else f"{bad['metrics']} DIFFER",
                     "equal" if not bad["attrs"] else f"{bad['attrs']} DIFFER",
                     "equal" if not bad["config"] else f"{bad['config']} lines DIFFER",
                     "identical" if not any(bad.values()) else "DIFFERENT"))
        for k in ("datasets", "metrics", "attrs", "config"):
            details += [f"{name}: {k}: {line}" for line in d[k][:20]]
    return rows, details


def format_table(rows) -> str:
    head = ("run file", "datasets", "/metrics", "attributes", "config", "verdict")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(r) for r in rows)])


def _checkout(commit: str, work: Path) -> tuple[Path, str]:
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{commit}^{{commit}}"],
                         capture_output=True, text=True)
    if sha.returncode != 0:
        raise SystemExit(2)
    sha = sha.stdout.strip()
    path = work / f"base-{sha[:12]}"
    if not (path / "pyproject.toml").exists():
        if path.exists():
            shutil.rmtree(path)
        subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), sha],
                       check=True, capture_output=True)
    return path, sha


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="main", help="base commit (default main)")
    p.add_argument("--head", default=str(REPO),
                   help="checkout compared with the base (default: this working tree)")
    p.add_argument("--only", default=None, help="restrict to these experiments (comma-"
                   "separated, as 'mgnet reproduce --only'); acceptance runs cover all")
    p.add_argument("--work", default=os.environ.get("MGNET_EQUIV_WORK",
                                                    str(Path.home() / ".cache" / "mgnet-equiv")),
                   help="scratch directory: base worktree, results, caches")
    p.add_argument("--reuse-base", action="store_true",
                   help="reuse the base side's results of an earlier check")
    p.add_argument("--workers", type=int, default=None, help="Dask workers per side")
    p.add_argument("--head-results", default=None,
                   help="compare this existing results directory instead of running the head")
    args = p.parse_args(argv)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        base_dir, sha = _checkout(args.base, work)
    except SystemExit:
        print(f"check_equivalence: unknown commit '{args.base}'", file=sys.stderr)
        return 2
    tag = (args.only or "all").replace(",", "+")
    base_res = work / f"results-{sha[:12]}-{tag}"
    stamp = base_res / ".complete"
    if not (args.reuse_base and stamp.exists()):
        if base_res.exists():
            shutil.rmtree(base_res)
        secs = run_reproduce(base_dir, base_res, work / f"cache-{sha[:12]}", work,
                             args.only, args.workers)
        stamp.write_text(f"{secs:.0f}\n")
        print(f"base {sha[:12]}: {secs:.0f} s", flush=True)
    else:
        print(f"base {sha[:12]}: reusing {base_res} ({stamp.read_text().strip()} s)")
    if args.head_results:
        head_res = Path(args.head_results)
    else:
        head_res = work / f"results-head-{tag}"
        if head_res.exists():
            shutil.rmtree(head_res)
        secs = run_reproduce(Path(args.head).resolve(), head_res, work / "cache-head", work,
                             args.only, args.workers)
        print(f"head {args.head}: {secs:.0f} s", flush=True)
    rows, details = compare_trees(base_res, head_res)
    print()
    print(format_table(rows))
    n_bad = sum(r[-1] != "identical" for r in rows)
    if details:
        print("\nDifferences (first 20 per file and kind):")
        print("\n".join(details))
    print(f"\n{len(rows) - n_bad} of {len(rows)} run files identical "
          f"(base {sha[:12]} vs {'results ' + str(head_res) if args.head_results else args.head})")
    if not rows:
        print("no run files found", file=sys.stderr)
        return 1
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main())
