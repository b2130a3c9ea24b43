"""The ``mgnet`` command line.

Subcommands::

    mgnet --version
    mgnet run EXPERIMENT [--config F] [--set SECTION.KEY=VALUE ...]
              [--condition NAME[,NAME...]] [--seed N] [--scale S] [--out F | --results DIR]
              [--quiet]
    mgnet options EXPERIMENT [--scale S] [--params [--condition NAME]] [--json]
    mgnet info FILE.h5 [--config] [--json]
    mgnet list
    mgnet params [--write FILE]
    mgnet figures [--results DIR]
    mgnet reproduce [--scale S] [--results DIR] [--only EXP[,EXP...]]
                    [--workers N | --scheduler ADDRESS] [--quiet]
    mgnet sweep EXPERIMENT --conditions A,B --seeds 0-9 [--scale S] [--config F]
                [--set SECTION.KEY=VALUE ...] [--workers N | --scheduler ADDRESS]
                [--results DIR] [--quiet]
    mgnet calibrate* ..., mgnet export-nwb ...

Bad input (unknown experiment, key, unit, preset, out-of-range value, missing or
non-run file) ends with exit status 2 and one line on stderr naming the problem and
what is allowed; ``--debug`` shows the traceback instead.  ``--set`` items are
validated exactly like the same values in a ``--config`` file and change the run's
config tag (its file name).  The output location (an existing run file, a directory
that cannot be created or written) is checked before anything is built.  ``run``,
``sweep`` and ``reproduce`` show one progress bar (:mod:`mgnet.experiments.progress`) on a
terminal only.  ``info`` and ``--version`` never import brian2.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .errors import ConfigError, OutputPathError, UsageError

__all__ = ["main", "build_parser", "mgnet_version", "UsageError", "OutputPathError"]

EXIT_USAGE = 2

#: Names that moved to :mod:`mgnet.experiments.runner` (issue 16), still importable from
#: here, loaded on first use (the runner imports brian2; 'mgnet info' must not).
_RUNNER_NAMES = frozenset({"run_experiment", "run_experiments", "default_run_path",
                           "config_tag", "check_output_file", "check_output_dir"})


def __getattr__(name):
    if name in _RUNNER_NAMES:
        from . import runner
        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise UsageError(f"{message} (see 'mgnet {self.prog.split()[-1]} --help')"
                         if " " in self.prog else f"{message} (see 'mgnet --help')")


def _cmd_run(args) -> int:
    from .config import parse_sets
    from .runner import default_run_path, resolve_configs, run_experiments
    sets = parse_sets(args.set)
    conditions = ([c.strip() for c in args.condition.split(",")]
                  if args.condition else [None])
    if len(conditions) > 1 and args.out:
        raise UsageError("--out takes one condition; with several conditions the run "
                         "files go to their default paths under --results")
    if any(not c for c in conditions if c is not None) or (
            len(set(conditions)) != len(conditions)):
        raise UsageError(f"bad --condition '{args.condition}'; allowed: a condition preset "
                         "or a comma-separated list of distinct presets")
    cfgs = resolve_configs(args.experiment, conditions, [args.seed], scale=args.scale,
                           config=args.config, sets=sets)
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
    # Only analysis/ on this path: it never imports brian2, so 'mgnet info' works on a
    # machine without it (tests/test_cli_usability.py blocks the import to prove it).
    if args.json:
        import json

        from mgnet.analysis.run_file import summary
        print(json.dumps(summary(args.file, show_config=args.config), indent=1,
                         allow_nan=False))
    else:
        from mgnet.analysis.run_file import summarize
        print(summarize(args.file, show_config=args.config))
    return 0


def _cmd_list(args) -> int:
    from . import registry
    for exp in registry.experiments():
        print(f"{exp.name:24s} {exp.description}")
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
                       progress=not args.quiet, name=args.name, sets=args.set)
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


def mgnet_version() -> str:
    """The version of mgnet: the installed distribution's, else (a source checkout that
    was never installed) the ``version`` in ``pyproject.toml`` marked as such, else
    ``"unknown"``."""
    from importlib import metadata
    try:
        return metadata.version("mgnet")
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        import tomllib
        version = tomllib.loads(pyproject.read_text())["project"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"
    return f"{version} (source checkout, not installed)"


class _VersionAction(argparse.Action):
    """``--version``: print ``mgnet <version>`` and the git commit of a checkout.

    Computed only when asked for (git runs in a subprocess)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="print the mgnet version and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        import subprocess
        text = f"mgnet {mgnet_version()}"
        repo = Path(__file__).resolve().parent.parent
        if (repo / ".git").exists():
            try:
                commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short",
                                         "HEAD"], capture_output=True, text=True,
                                        timeout=10, check=True).stdout.strip()
                dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain",
                                        "--untracked-files=no"], capture_output=True,
                                       text=True, timeout=10, check=True).stdout.strip()
                text += f" (git {commit}{', dirty' if dirty else ''})"
            except (OSError, subprocess.SubprocessError):
                pass
        print(text)
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    # Nothing here may import brian2 (mgnet.experiments.config does): 'mgnet info' and
    # 'mgnet --version' must work without it.
    p = _Parser(prog="mgnet", description="Mg2+, synaptic configuration and memory "
                "encoding in simulated hippocampal cultures (Brian2).")
    p.add_argument("--version", action=_VersionAction)
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _add_run(sub, common)
    _add_info_and_list(sub, common)
    _add_figures_and_reproduce(sub, common)
    _add_sweep(sub, common)
    _add_module_commands(sub, common)
    return p


def _add_run(sub, common) -> None:
    """``mgnet run``."""
    from .scales import SCALES
    r = sub.add_parser("run", help="run one experiment and write a run file", parents=[common])
    r.add_argument("experiment", help="experiment name (see 'mgnet list')")
    r.add_argument("--config", help="TOML config file")
    r.add_argument("--condition", help="condition preset (baseline, elevated_mg, ...), or "
                   "several comma-separated: one build, one run file each")
    r.add_argument("--seed", type=_seed, help="random seed (integer >= 0)")
    r.add_argument("--scale", choices=SCALES, help="quick | default | paper")
    r.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one parameter or option, validated like the config file "
                        "and applied over it (repeatable): options.KEY=VALUE, "
                        "params.SECTION.KEY=VALUE or SECTION.KEY=VALUE, e.g. "
                        "--set magnesium.mg_o=1.2mM --set options.n_connections=5; "
                        "see 'mgnet options EXPERIMENT'")
    r.add_argument("--out", help="run-file path (default results/runs/<exp>/...)")
    r.add_argument("--results", default=os.environ.get("MGNET_RESULTS", "results"),
                   help="results directory (default: results)")
    r.add_argument("--quiet", action="store_true",
                   help="no progress bar (it is drawn only when stderr is a terminal)")
    r.set_defaults(func=_cmd_run)


def _add_info_and_list(sub, common) -> None:
    """``mgnet info`` and ``mgnet list``."""
    i = sub.add_parser("info", help="summarise a run file", parents=[common])
    i.add_argument("file", help="run file (.h5)")
    i.add_argument("--config", action="store_true", help="also print the resolved config")
    i.add_argument("--json", action="store_true",
                   help="machine-readable summary (JSON on stdout)")
    i.set_defaults(func=_cmd_info)

    ls = sub.add_parser("list", help="list experiments", parents=[common])
    ls.set_defaults(func=_cmd_list)


def _add_figures_and_reproduce(sub, common) -> None:
    """``mgnet figures`` and ``mgnet reproduce``."""
    from .scales import SCALES
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
    rp.add_argument("--quiet", action="store_true",
                    help="no progress bar (it is drawn only when stderr is a terminal)")
    rp.set_defaults(func=_cmd_reproduce)


def _add_sweep(sub, common) -> None:
    """``mgnet sweep``."""
    from .scales import SCALES
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
    sw.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="override one parameter or option of every run, as for "
                         "'mgnet run' (repeatable)")
    sw.add_argument("--results", default=os.environ.get("MGNET_RESULTS", "results"),
                    help="results directory shared by all workers (default: results)")
    sw.add_argument("--name", help="manifest name: results/sweeps/NAME.json "
                    "(default: EXPERIMENT_SCALE)")
    sw.add_argument("--quiet", action="store_true",
                    help="no progress bar (it is drawn only when stderr is a terminal)")
    sw.set_defaults(func=_cmd_sweep)


def _add_module_commands(sub, common) -> None:
    """The subcommands that their own modules register: the calibrations, ``params``,
    ``options`` and ``export-nwb``."""
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
    from .optiondoc import add_parser as add_options
    add_options(sub, parents=[common])
    from .interop import add_parser as add_export_nwb
    add_export_nwb(sub, parents=[common])


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer >= 0, got '{text}'") from None
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
    except BrokenPipeError:  # e.g. 'mgnet options X | head': the reader has had enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes
        return 1
    except Exception as exc:  # noqa: BLE001 - every error becomes one line
        if debug:
            raise
        from mgnet.analysis.run_file import RunFileError
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
