"""The ``mgnet`` command line.

Subcommands::

    mgnet run EXPERIMENT [--config F] [--condition NAME[,NAME...]] [--seed N] [--scale S]
              [--out F]
    mgnet info FILE.h5 [--config]
    mgnet list
    mgnet figures [--results DIR]
    mgnet reproduce [--scale S] [--results DIR] [--only EXP[,EXP...]]
                    [--workers N | --scheduler ADDRESS]
    mgnet sweep EXPERIMENT --conditions A,B --seeds 0-9 [--scale S]
                [--workers N | --scheduler ADDRESS] [--results DIR]

Bad input (unknown experiment, key, unit, preset, out-of-range value, missing or
non-run file) ends with exit status 2 and one line on stderr naming the problem and
what is allowed; ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

__all__ = ["main", "run_experiment", "run_experiments", "default_run_path", "config_tag"]

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise UsageError(f"{message} (see 'mgnet {self.prog.split()[-1]} --help')"
                         if " " in self.prog else f"{message} (see 'mgnet --help')")


def config_tag(cfg) -> str:
    """Short hash of what a config changes relative to its defaults ('' if nothing).

    The defaults are the config that ``make_config`` gives for the same experiment,
    condition, seed and scale with no ``[params]`` and no ``[options]``.  The tag is the
    first 8 hex digits of the SHA-1 of the resolved TOML lines (qualified by their
    section) that differ from the defaults, so two configs that differ in any parameter
    or option get different tags, configs that resolve to the same values get the same
    tag, and the same override applied to two conditions gets the same tag in both.
    """
    import hashlib
    from .config import ConfigError, make_config
    try:
        default = make_config(cfg.experiment, condition=cfg.condition, seed=cfg.seed,
                              scale=cfg.scale)
    except ConfigError:             # not a registered experiment (tests): no tag
        return ""

    def lines(text):
        section, out = "", {}
        for line in text.splitlines():
            if line.startswith("["):
                section = line.strip()
            elif "=" in line:
                out[(section, line.split("=", 1)[0].strip())] = line.strip()
        return out

    mine, base = lines(cfg.to_toml()), lines(default.to_toml())
    diff = sorted(f"{sec} {line}" for (sec, key), line in mine.items()
                  if base.get((sec, key)) != line)
    if not diff:
        return ""
    return hashlib.sha1("\n".join(diff).encode()).hexdigest()[:8]


def default_run_path(results: Path, cfg) -> Path:
    """``results/runs/<experiment>/<condition>_seed<N>_<scale>[_<tag>].h5``.

    ``<tag>`` (:func:`config_tag`) is present only when the config changes a parameter
    or an option, so runs that differ in any of them never share a file (and a sweep of
    one config never moves another config's files aside), while default configs keep
    the names they always had.
    """
    tag = config_tag(cfg)
    name = f"{cfg.condition}_seed{cfg.seed}_{cfg.scale}" + (f"_{tag}" if tag else "")
    return results / "runs" / cfg.experiment / f"{name}.h5"


def _progress_printer(label: str):
    start = time.time()

    def progress(stage: str, fraction: float):
        print(f"  [{label}] {fraction * 100:5.1f} %  {stage}  ({time.time() - start:.1f} s)",
              file=sys.stderr, flush=True)
    return progress


def run_experiment(cfg, out: Path, *, quiet: bool = False) -> Path:
    """Run one configured experiment and write its run file atomically to ``out``."""
    (path,) = run_experiments([cfg], [out], quiet=quiet)
    return path


def run_experiments(cfgs, outs, *, quiet: bool = False) -> list[Path]:
    """Run configs of one experiment that differ only in the condition, and write
    each run file atomically as soon as its run is done.

    An experiment module with ``run_group(cfgs, progress)`` builds the network once
    for all of them (compile once, rerun with ``run_args``); otherwise each config
    runs on its own.  A failure after the first file leaves the files already written.
    """
    from mgnet.analysis.run_file import write_run
    from mgnet.models.backend import backend_info, configure
    from . import registry
    from .provenance import provenance_attrs

    for out in outs:
        if out.exists():
            raise FileExistsError(f"{out} already exists; run files are never overwritten "
                                  f"(choose --out or another seed)")
    cfg0 = cfgs[0]
    backend = configure(device="runtime", codegen_target="cython", threads=1, seed=cfg0.seed)
    exp = registry.get(cfg0.experiment)
    progress = None if quiet else _progress_printer(cfg0.experiment)
    if len(cfgs) > 1 and hasattr(exp.module, "run_group"):
        results = exp.module.run_group(list(cfgs), progress)
    else:
        results = (exp.run(cfg, progress) for cfg in cfgs)
    paths = []
    for cfg, out, data in zip(cfgs, outs, results):
        info = backend
        device_option = getattr(cfg.options, "device", None)
        if device_option and device_option != backend["device"]:
            # The experiment ran on its own device (compile-once standalone): record that.
            info = backend_info(device_option, None, backend["threads"])
        data.attrs = dict(provenance_attrs(cfg, info, run_id=out.stem), **data.attrs)
        paths.append(write_run(out, data))
    return paths


def _cmd_run(args) -> int:
    from .config import load_config, make_config
    conditions = ([c.strip() for c in args.condition.split(",")]
                  if args.condition else [None])
    if len(conditions) > 1 and args.out:
        raise UsageError("--out takes one condition; with several conditions the run "
                         "files go to their default paths under --results")
    if any(not c for c in conditions if c is not None) or (
            len(set(conditions)) != len(conditions)):
        raise UsageError(f"bad --condition '{args.condition}'; allowed: a condition preset "
                         "or a comma-separated list of distinct presets")
    cfgs = []
    for condition in conditions:
        cli = dict(condition=condition, seed=args.seed, scale=args.scale)
        if args.config:
            cfgs.append(load_config(args.config, experiment=args.experiment, **cli))
        else:
            cfgs.append(make_config(args.experiment,
                                    **{k: v for k, v in cli.items() if v is not None}))
    outs = [Path(args.out) if args.out else default_run_path(Path(args.results), cfg)
            for cfg in cfgs]
    for out in outs:
        if out.suffix != ".h5":
            raise UsageError(f"--out must end in .h5, got '{out}'")
    t0 = time.time()
    for path in run_experiments(cfgs, outs, quiet=args.quiet):
        print(f"wrote {path} ({time.time() - t0:.1f} s)")
    return 0


def _cmd_info(args) -> int:
    from mgnet.analysis.run_file import summarize
    print(summarize(args.file, show_config=args.config))
    return 0


def _cmd_list(args) -> int:
    from . import registry
    for name in registry.names():
        exp = registry.get(name)
        print(f"{name:24s} {exp.DESCRIPTION}")
    return 0


def _cmd_figures(args) -> int:
    from mgnet.analysis.report import make_figures
    paths = make_figures(Path(args.results), args.scale)
    if args.docs:
        from mgnet.analysis.report import export_docs_figures
        paths += export_docs_figures(Path(args.results))
    for path in paths:
        print(f"wrote {path}")
    if not paths:
        print(f"no run files under {Path(args.results) / 'runs'}; run 'mgnet reproduce' first")
    return 0


def _cmd_reproduce(args) -> int:
    from .reproduce import reproduce, select_jobs
    if args.only is not None:
        try:
            select_jobs(args.only)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    from .sweep import SweepError
    try:
        report = reproduce(Path(args.results), scale=args.scale, only=args.only,
                           workers=args.workers, scheduler=args.scheduler,
                           progress=not args.quiet)
    except SweepError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {report}")
    return 0


def _cmd_sweep(args) -> int:
    from .sweep import SweepError, parse_conditions, parse_seeds, sweep
    try:
        conditions = parse_conditions(args.conditions)
        seeds = parse_seeds(args.seeds)
        result = sweep(args.experiment, conditions, seeds, args.scale, Path(args.results),
                       workers=args.workers, scheduler=args.scheduler, config=args.config,
                       progress=not args.quiet, name=args.name)
    except SweepError as exc:
        raise UsageError(str(exc)) from None
    c = result.counts
    print(f"wrote {result.manifest_path} ({c['done']} done, {c['skipped']} skipped, "
          f"{c['failed']} failed of {c['total']}; run files under "
          f"{Path(args.results) / 'runs' / args.experiment})")
    from .reproduce import cost_summary
    print(cost_summary(result.manifest))
    if c["failed"]:
        print(f"mgnet: error: {c['failed']} of {c['total']} runs failed (see "
              f"{result.manifest_path}); run the same command again to retry them",
              file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .config import SCALES
    p = _Parser(prog="mgnet", description="Mg2+, synaptic configuration and memory "
                "encoding in simulated hippocampal cultures (Brian2).")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    r = sub.add_parser("run", help="run one experiment and write a run file", parents=[common])
    r.add_argument("experiment", help="experiment name (see 'mgnet list')")
    r.add_argument("--config", help="TOML config file")
    r.add_argument("--condition", help="condition preset (baseline, elevated_mg, ...), or "
                   "several comma-separated: one build, one run file each")
    r.add_argument("--seed", type=_seed, help="random seed (integer >= 0)")
    r.add_argument("--scale", choices=SCALES, help="quick | default | paper")
    r.add_argument("--out", help="run-file path (default results/runs/<exp>/...)")
    r.add_argument("--results", default=os.environ.get("MGNET_RESULTS", "results"),
                   help="results directory (default: results)")
    r.add_argument("--quiet", action="store_true", help="no progress output")
    r.set_defaults(func=_cmd_run)

    i = sub.add_parser("info", help="summarise a run file", parents=[common])
    i.add_argument("file", help="run file (.h5)")
    i.add_argument("--config", action="store_true", help="also print the resolved config")
    i.set_defaults(func=_cmd_info)

    ls = sub.add_parser("list", help="list experiments", parents=[common])
    ls.set_defaults(func=_cmd_list)

    f = sub.add_parser("figures", help="draw all figures from saved run files", parents=[common])
    f.add_argument("--results", default=os.environ.get("MGNET_RESULTS", "results"))
    f.add_argument("--scale", choices=SCALES, default=None,
                   help="draw from runs of this scale (default: the newest run's scale)")
    f.add_argument("--docs", action="store_true",
                   help="also refresh the small README figures under docs/figures/")
    f.set_defaults(func=_cmd_figures)

    rp = sub.add_parser("reproduce", help="run every experiment, draw figures, write the report", parents=[common])
    rp.add_argument("--scale", choices=SCALES, default="default")
    rp.add_argument("--results", default=os.environ.get("MGNET_RESULTS", "results"))
    rp.add_argument("--only", metavar="EXP[,EXP]", default=None,
                    help="run only these experiments (comma-separated, e.g. "
                         "culture-activity); figures and report still use every run file")
    rwhere = rp.add_mutually_exclusive_group()
    rwhere.add_argument("--workers", type=_workers, default=None,
                        help="local worker processes (default: one per core)")
    rwhere.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="existing Dask scheduler, e.g. tcp://host:8786")
    rp.add_argument("--quiet", action="store_true", help="no progress bar")
    rp.set_defaults(func=_cmd_reproduce)

    sw = sub.add_parser("sweep", help="run the (condition, seed) runs of one experiment "
                        "in parallel on Dask (resumable)", parents=[common])
    sw.add_argument("experiment", help="experiment name (see 'mgnet list')")
    sw.add_argument("--conditions", required=True, metavar="A,B",
                    help="comma-separated condition presets, e.g. baseline,elevated_mg")
    sw.add_argument("--seeds", required=True, metavar="SEEDS",
                    help="seeds: N, A-B (inclusive) or a comma-separated list, e.g. 0-9")
    sw.add_argument("--scale", choices=SCALES, default=None,
                    help="quick | default | paper (default: the config's, else default)")
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, default=None,
                       help="local worker processes, one thread each (default: CPU count)")
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="address of an existing Dask scheduler, e.g. tcp://host:8786")
    sw.add_argument("--config", help="TOML config applied to every run")
    sw.add_argument("--results", default=os.environ.get("MGNET_RESULTS", "results"),
                    help="results directory shared by all workers (default: results)")
    sw.add_argument("--name", help="manifest name: results/sweeps/NAME.json "
                    "(default: EXPERIMENT_SCALE)")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(func=_cmd_sweep)

    from .calibrate import add_parser as add_calibrate
    add_calibrate(sub, parents=[common])
    from .calibrate_culture import add_parser as add_calibrate_culture
    add_calibrate_culture(sub, parents=[common], name="calibrate-culture")
    from .calibrate_glun2b import add_parser as add_calibrate_glun2b
    add_calibrate_glun2b(sub, parents=[common])
    from .calibrate_memory import add_parser as add_calibrate_memory
    add_calibrate_memory(sub, parents=[common])
    from .paramdoc import add_parser as add_params
    add_params(sub, parents=[common])
    from .interop import add_parser as add_export_nwb
    add_export_nwb(sub, parents=[common])
    return p


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer >= 0, got '{text}'")
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be an integer >= 0, got '{text}'")
    return value


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got '{text}'")
    return value


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mgnet`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return args.func(args)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print("mgnet: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every error becomes one line
        if debug:
            raise
        from mgnet.analysis.run_file import RunFileError
        from .config import ConfigError
        known = (UsageError, ConfigError, RunFileError, FileExistsError, FileNotFoundError)
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, known):
            print(f"mgnet: error: {msg}", file=sys.stderr)
            return EXIT_USAGE
        print(f"mgnet: internal error ({type(exc).__name__}): {msg} (rerun with --debug "
              f"for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
