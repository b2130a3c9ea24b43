"""``mgnet calibrate-memory``: the encoding protocol of the memory experiments, calibrated
on ``baseline`` only, on seeds the comparison never uses, and frozen (science.md §6;
issue 14 item 3).

What it does: for each candidate encoding protocol of :data:`CANDIDATES` (pre-declared
here, before any run) and each calibration seed of :data:`SEEDS` (1000-1004; comparison
seeds are 0-99) it runs ``memory-encoding`` at ``baseline`` with a consolidation of
:data:`CONSOLIDATION` (≥ 5 minutes of spontaneous bursting) and the recall cue already
frozen on the planted-assembly control (``memory_encoding.RECALL_DEFAULTS``,
experiments/calibrate_planted.py), and scores the positive-control targets of the issue
per seed (:func:`targets`):

* **encoding**: after encoding, the z-score of Δf_UP against pseudo-assemblies ≥ 5, or
  Δf_UP ≥ 0.3;
* **recall**: from a 50 % cue, Q ≥ 0.3 or m ≥ 0.3, with the sham and unencoded controls'
  Q within ±0.05 and false activation ≤ 0.2;
* **retention**: at the end of the consolidation at least half of the post-encoding
  Δf_UP is left (and it was positive);
* **bands**: the consolidation period meets every culture band (science.md §4 item 7).

Pre-declared rule (:func:`choose`): a target counts for a protocol if it holds in ≥ 4 of
the 5 seeds; the protocol with the most targets counted wins; ties go to the weakest
stimulation (fewest pulses in all, then the lowest stimulus weight).  The winner's
options are written to ``experiments/configs/memory_protocol.toml`` with the per-seed
numbers, which targets failed, the command and the commit; the memory experiments read
their default protocol from it (:func:`frozen_options`).  If no target can be met the
file still freezes the winner, and the report labels the comparison as made without a
working positive control.

Run: ``mgnet calibrate-memory --write`` (without ``--write`` it computes without writing the protocol
file; run files go to ``--results``, default ``results/calibration``, and are reused).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import shlex
import time
from pathlib import Path

import numpy as np

from mgnet.experiments.calibration_cli import NOT_WRITTEN, add_write_flags, write_requested

__all__ = ["CANDIDATES", "SEEDS", "CONSOLIDATION", "PROTOCOL_FILE", "targets", "choose",
           "frozen_options", "calibrate_memory", "add_parser", "run_cli"]

_REPO = Path(__file__).resolve().parents[1]
PROTOCOL_FILE = _REPO / "experiments" / "configs" / "memory_protocol.toml"
SEEDS = (1000, 1001, 1002, 1003, 1004)
#: Consolidation of the calibration runs: the retention target asks for >= 5 minutes.
CONSOLIDATION = "300 s"
#: Consolidation frozen for the comparisons (declared with the rest, before any run): the
#: 30 s of memory-encoding's default, a few network bursts.  The 5-minute retention is a
#: target checked here and measured by memory-retention's forgetting curve; five
#: minutes in each of the comparison's >= 120 runs would triple their cost.
FROZEN_CONSOLIDATION = "30 s"
#: The candidate encoding protocols (memory-encoding options), declared before any run:
#: the default (5 rounds of 3 trains of 5 pulses at 100 Hz, 200 nS), three times as many
#: rounds, and twice the trains per presentation.
#: Every candidate names all the options it varies (so a frozen file never leaks into
#: the candidates of a re-run).
CANDIDATES: dict[str, dict] = {
    "default": {"presentations": 5, "trains_per_presentation": 3,
                "presentation_interval": "1 s"},
    "rounds_x3": {"presentations": 15, "trains_per_presentation": 3,
                  "presentation_interval": "1 s"},
    "trains_x2": {"presentations": 5, "trains_per_presentation": 6,
                  "presentation_interval": "2 s"},
}
#: Target thresholds (issue 14 item 3).
Z_MIN, DFUP_MIN = 5.0, 0.3
RECALL_MIN, CONTROL_MAX, FA_MAX = 0.3, 0.05, 0.2
RETAINED_MIN = 0.5
MIN_SEEDS = 4
TARGETS = ("encoding", "recall", "retention", "bands")


def targets(m: dict, bands_ok: bool) -> dict:
    """Which positive-control targets one run meets (``m``: memory-encoding metrics)."""
    z, d = m.get("dfup_z_after_encoding", np.nan), m.get("dfup_after_encoding", np.nan)
    q, mm = m.get("q_stored_cue_0.5", np.nan), m.get("m_stored_cue_0.5", np.nan)
    ctrl = [m.get("q_sham_cue_0.5", np.nan), m.get("q_unencoded_cue_0.5", np.nan)]
    fa = m.get("fa_stored_cue_0.5", np.nan)
    end = m.get("dfup_end", np.nan)
    return {"encoding": bool(z >= Z_MIN or d >= DFUP_MIN),
            "recall": bool((q >= RECALL_MIN or mm >= RECALL_MIN)
                           and all(abs(c) <= CONTROL_MAX for c in ctrl) and fa <= FA_MAX),
            "retention": bool(d > 0 and end >= RETAINED_MIN * d),
            "bands": bool(bands_ok)}


def _weakness(name: str, base) -> tuple:
    o = dict(CANDIDATES[name])
    pulses = (o.get("presentations", base.presentations)
              * o.get("trains_per_presentation", base.trains_per_presentation)
              * o.get("pulses_per_train", base.pulses_per_train))
    return pulses, float(base.stim_weight) * 1e9


def choose(per_protocol: dict, base_options) -> tuple[str, dict]:
    """The pre-declared rule on ``{protocol: [targets(...) per seed]}`` -> (name, counts)."""
    counted = {}
    for name, rows in per_protocol.items():
        counted[name] = {t: int(sum(r[t] for r in rows)) for t in TARGETS}
    score = {n: sum(c[t] >= MIN_SEEDS for t in TARGETS) for n, c in counted.items()}
    best = max(score.values())
    tied = [n for n in per_protocol if score[n] == best]
    return min(tied, key=lambda n: _weakness(n, base_options)), counted


def frozen_options(path: Path | None = None) -> dict:
    """The frozen protocol's options (``[options]`` of the protocol file), or {} if the
    calibration has not been run."""
    import tomllib
    target = Path(path) if path else PROTOCOL_FILE
    if not target.exists():
        return {}
    with open(target, "rb") as fh:
        return dict(tomllib.load(fh).get("options", {}))


def _bands(run) -> bool:
    from mgnet.analysis.bursts import burst_statistics, check_bands, detect_network_bursts
    t, i = run.spikes["exc"]
    n = int(run.metrics.get("n_exc", int(np.max(i)) + 1 if len(i) else 1))
    p = run.protocol["consolidation"]
    t0, t1 = float(p["t_start"]), float(p["t_stop"])
    bursts = detect_network_bursts(t, i, n, t0, t1)
    stats = burst_statistics(t, i, n, t0, t1, bursts)
    return all(ok for *_, ok in check_bands(stats).values())


def calibrate_memory(results: Path, *, write: bool = False, command: str = "",
                     path: Path | None = None, seeds=SEEDS, log=print) -> dict:
    """Run the candidates on the calibration seeds, apply the rule, freeze the winner."""
    from mgnet.analysis.run_file import read_run

    from .config import make_config
    from .provenance import git_state
    from .runner import default_run_path, run_experiments
    t_start = time.time()
    per_protocol: dict = {n: [] for n in CANDIDATES}
    numbers: dict = {n: [] for n in CANDIDATES}
    keys = ("dfup_after_encoding", "dfup_z_after_encoding", "dfup_end", "q_stored_cue_0.5",
            "m_stored_cue_0.5", "q_sham_cue_0.5", "q_unencoded_cue_0.5", "fa_stored_cue_0.5",
            "burst_rate_consolidation_per_min")
    base = None
    for seed in seeds:
        cfgs = [make_config("memory-encoding", condition="baseline", seed=int(seed),
                            options=dict(CANDIDATES[n], consolidation=CONSOLIDATION))
                for n in CANDIDATES]
        base = cfgs[0].options
        outs = [default_run_path(results, c) for c in cfgs]
        todo = [(c, o) for c, o in zip(cfgs, outs, strict=True) if not o.exists()]
        t0 = time.time()
        for c, o in todo:
            # One call per candidate: the candidates differ in their options, so they
            # cannot share run_experiments' one-build group (it refuses mixed options).
            run_experiments([c], [o], quiet=True)
        log(f"seed {seed}: {len(todo)} runs in {time.time() - t0:.0f} s")
        for name, o in zip(CANDIDATES, outs, strict=True):
            run = read_run(o)
            per_protocol[name].append(targets(run.metrics, _bands(run)))
            numbers[name].append({k: float(run.metrics.get(k, np.nan)) for k in keys})
    winner, counted = choose(per_protocol, base)
    commit, dirty = git_state()
    result = {"winner": winner,
              "options": dict(CANDIDATES[winner], consolidation=FROZEN_CONSOLIDATION),
              "counted": counted, "numbers": numbers, "per_seed": per_protocol,
              "seeds": list(seeds), "created_utc": _dt.datetime.now(_dt.UTC)
              .isoformat(timespec="seconds"), "git_commit": commit, "git_dirty": bool(dirty),
              "command": command, "runtime_s": time.time() - t_start}
    if write:
        target = Path(path) if path else PROTOCOL_FILE
        tmp = target.with_suffix(".toml.tmp")
        tmp.write_text(render(result))
        tmp.replace(target)
    return result


def render(r: dict) -> str:
    """The protocol file: the frozen options, then what the calibration saw."""
    from .config import toml_value
    met = [t for t in TARGETS if r["counted"][r["winner"]][t] >= MIN_SEEDS]
    lines = ["# Frozen encoding protocol of the memory experiments (science.md §6; issue 14).",
             "# GENERATED by experiments/calibrate_memory.py on baseline, calibration seeds "
             + ", ".join(str(s) for s in r["seeds"]) + " - do not edit by hand; re-run",
             "#     mgnet calibrate-memory --write",
             "schema_version = 1", "",
             f"protocol = {toml_value(r['winner'])}",
             f"targets_met = {toml_value(met)}  # in >= {MIN_SEEDS} of {len(r['seeds'])} seeds",
             f"positive_control = {toml_value(len(met) == len(TARGETS))}", "",
             "[options]  # read by experiments/memory_encoding.py (default and paper scales)"]
    lines += [f"{k} = {toml_value(v)}" for k, v in r["options"].items()]
    lines += ["", "[seeds_meeting]  # per protocol: calibration seeds meeting each target"]
    for name, c in r["counted"].items():
        lines.append(f"{name} = {{ " + ", ".join(f"{t} = {c[t]}" for t in TARGETS) + " }")
    for name, rows in r["numbers"].items():
        lines += ["", f"[numbers.{name}]  # per calibration seed"]
        for k in rows[0]:
            lines.append(f"{k.replace('.', '_')} = {toml_value([round(x[k], 4) for x in rows])}")
    lines += ["", "[provenance]"]
    for k in ("created_utc", "git_commit", "git_dirty", "command", "runtime_s"):
        lines.append(f"{k} = {toml_value(r[k])}")
    return "\n".join(lines) + "\n"


def add_parser(subparsers, parents=None, name: str = "calibrate-memory"):
    """Register the ``calibrate-memory`` subcommand (sets ``func=run_cli``)."""
    c = subparsers.add_parser(name, parents=list(parents or ()),
                              help="one-time: the memory experiments' encoding protocol, on "
                                   "baseline and held-out seeds (frozen file)")
    c.add_argument("--results", default="results/calibration",
                   help="where the calibration's run files go (reused when present)")
    add_write_flags(c, "the protocol file")
    c.add_argument("--seeds", default=",".join(str(x) for x in SEEDS),
                   help="calibration seeds (>= 1000; a subset with --dry-run lets two "
                        "processes share the runs)")
    c.set_defaults(func=run_cli)
    return c


def run_cli(args: argparse.Namespace, prog: str = "mgnet") -> int:
    """Run the calibration from the command line; returns the exit status."""
    parts = [prog, "calibrate-memory"]
    if args.results != "results/calibration":
        parts += ["--results", args.results]
    seeds = tuple(int(x) for x in str(args.seeds).split(","))
    if min(seeds) < 1000:
        print(f"{prog}: error: calibration seeds must be >= 1000 (0-99 are comparison seeds)")
        return 2
    write = write_requested(args)
    if seeds != SEEDS and write:
        print(f"{prog}: error: only the pre-declared seeds {SEEDS} may write the protocol "
              "file; leave out --write with a subset")
        return 2
    parts.append("--write" if write else "--dry-run")
    r = calibrate_memory(Path(args.results), write=write,
                         command=shlex.join(parts), seeds=seeds)
    for name, c in r["counted"].items():
        print(f"  {name:10s} " + "  ".join(f"{t} {c[t]}/{len(r['seeds'])}" for t in TARGETS))
    print(f"chosen: {r['winner']} ({'wrote ' + str(PROTOCOL_FILE) if write else NOT_WRITTEN})")
    return 0
