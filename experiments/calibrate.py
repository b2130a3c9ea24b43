"""One-time, re-runnable calibration of the presynaptic configuration against T6.

T6 (science.md §3; Zhou, Bi & Liu 2024 Nat Commun 15:3406): the *measured* silent-bouton
fraction (measured Pr < 0.04 over 30 single spikes at 0.5 Hz) is ≈ 53 % at baseline and
≈ 30 % at elevated Mg (configuration equilibrated).  The configuration model
(:mod:`mgnet.models.configuration`; science.md §4 item 2) gives an active bouton
Pr = min(pr_max, c·([Mg]i/[Mg]ref)^-k) and lets homeostasis recruit silent boutons until
the branch ΣPr is back at its set-point.

Identifiability (documented in ``docs/calibration.md``):

* at baseline ([Mg]i = [Mg]ref) the power law is 1 whatever k is.  How many boutons of a
  branch are functional is set by its set-point and the competences: **stage 1** finds
  ``ConfigurationParams.setpoint_median`` so that a baseline branch carries on average
  the paper's 863/66 = 13.08 functional boutons (Fig 1b/1c n; an untested distribution,
  science.md §3); the silent fraction is then set by the anatomical bouton density:
  **stage 1** also finds ``ConfigurationParams.anatomical_density`` (53 % silent); the
  two are solved jointly;
* after elevation only r = ([Mg]i,elev/[Mg]i,base)^-k enters, so k and the elevated [Mg]i
  are not separately identifiable from T6: **stage 2** keeps k at its literature default
  (``ReleaseParams.k``) and finds the elevated [Mg]i (``ELEVATED_MG_I``).  Homeostasis
  can only recruit the boutons a branch has: if the T6 root leaves more than
  ``max_exhausted`` (20 %) of the branches *exhausted* (every bouton active, ΣPr below the
  set-point), the calibration by default takes the largest [Mg]i that leaves at most that
  fraction exhausted and reports the silent fraction it reaches (``on_exhausted =
  "constrain"``); ``"refuse"`` raises instead and ``"warn"`` keeps the T6 root with a
  warning written into the file (science.md T6: the procedure must not leave branches
  without a silent reserve).

"Measured" mimics the virtual FM-dye assay: a bouton is functional if it releases at least
``ceil(0.04·30) = 2`` times in 30 trials.  With 2 s spacing the trials are treated as
independent Bernoulli trials with the per-spike Tsodyks–Markram mean release averaged over
the train (:func:`mgnet.models.synapses.tm_mean_release`; τF 100 ms, τD 500 ms leave ≤ 2 % of
depression at 0.5 Hz), i.e. the count is binomial.  The objective is the *expected*
measured silent fraction (P(count < 2) per bouton, pooled over all anatomical boutons, as
``silent_fraction_pooled`` of :mod:`mgnet.analysis.configuration_metrics`), averaged over a
large fixed-seed population, so the calibration is deterministic.

The population is drawn once with :func:`mgnet.models.configuration.sample_branches` at the
upper density bound and thinned with fixed uniform variables (common random numbers):
a Poisson count thinned with probability D/D_max is Poisson with mean D·L/10 and the
bouton attributes are i.i.d., so the thinned population has exactly the distribution of
``sample_branches`` at density D, while the objective changes smoothly and monotonically
with D instead of jumping with every re-draw.

Entry points: :func:`calibrate_t6`, ``mgnet calibrate t6 [--write]`` (registered by
:func:`add_parser`, run by :func:`run_cli`) and ``python -m mgnet.experiments.calibrate t6``.

Modules: the assay and the population in :mod:`mgnet.experiments.calibrate_t6_assay`, the
two stages in :mod:`mgnet.experiments.calibrate_t6_stages`, the calibration file and the
docs block in :mod:`mgnet.experiments.calibrate_t6_files`; this module holds the targets,
the driver :func:`calibrate_t6` and the command line, and re-exports the names of the
others.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mgnet.experiments.calibration_cli import NOT_WRITTEN, add_write_flags, write_requested
from mgnet.models.units import parse_value

from .calibrate_t6_assay import (
    DEFAULT_N_BRANCHES,
    DEFAULT_SEED,
    N_TRIALS,
    RATE_HZ,
    T6Evaluator,
    _stp_seconds,
    functional_probability,
    min_releases,
)
from .calibrate_t6_files import (
    CALIBRATION_FILE,
    DOCS_FILE,
    _to_toml,
    _update_docs,
    read_calibration,
)
from .calibrate_t6_stages import (
    CalibrationError,
    _calibrate_baseline,
    _calibrate_density,
    _calibrate_elevation,
    _constrain_exhaustion,
    _say,
)

__all__ = ["CalibrationError", "CALIBRATION_FILE", "DOCS_FILE", "DEFAULT_SEED",
           "DEFAULT_N_BRANCHES", "TARGET_BASELINE", "TARGET_ELEVATED", "N_TRIALS", "RATE_HZ",
           "TARGET_FUNCTIONAL_PER_BRANCH", "MAX_EXHAUSTED",
           "functional_probability", "T6Evaluator", "calibrate_t6", "read_calibration",
           "format_mg", "parse_mg", "add_parser", "run_cli", "main"]


#: T6 targets: measured silent fraction at baseline / elevated Mg (Zhou et al. 2024).
TARGET_BASELINE = 0.53
TARGET_ELEVATED = 0.30
#: Functional boutons per baseline branch: Zhou et al. (2024) Fig 1c n = 863 boutons
#: (5 repeats) on the Fig 1b n = 66 branches (5 repeats).
TARGET_FUNCTIONAL_PER_BRANCH = 863 / 66
#: Largest fraction of exhausted branches the elevated-Mg calibration may leave.
MAX_EXHAUSTED = 0.20
ON_EXHAUSTED = ("constrain", "refuse", "warn")


# --------------------------------------------------------------------------------------
# Units: "1.05 mM" <-> 1.05 (mM); the reader is mgnet.models.units.parse_value
# --------------------------------------------------------------------------------------
def parse_mg(text: str) -> float:
    """Concentration string (``"0.83 mM"``, ``"830 uM"``) -> value in mM: the one float unit
    parser, :func:`mgnet.models.units.parse_value` with ``unit="mM"``."""
    return parse_value(text, "mM")


def format_mg(value_mM: float, digits: int = 4) -> str:
    """Value in mM -> ``"1.047 mM"`` (``digits`` significant figures)."""
    return f"{float(f'{value_mM:.{digits}g}'):g} mM"



# --------------------------------------------------------------------------------------
# The calibration: both stages, the result, the file
# --------------------------------------------------------------------------------------
def _check_targets(target_baseline: float, target_elevated: float, on_exhausted: str,
                   max_exhausted: float) -> None:
    """Raise :class:`CalibrationError` on targets or an exhaustion policy out of range."""
    if not (0 < target_elevated < target_baseline < 1):
        raise CalibrationError("targets must satisfy 0 < elevated < baseline < 1")
    if on_exhausted not in ON_EXHAUSTED:
        raise CalibrationError(f"on_exhausted must be one of {', '.join(ON_EXHAUSTED)}")
    if not 0 <= max_exhausted < 1:
        raise CalibrationError("max_exhausted must lie in [0, 1)")


def _draw_population(n_branches: int, seed: int, release, target_baseline: float,
                     target_elevated: float, verbose: bool, t0: float) -> T6Evaluator:
    """Announce the calibration and draw its fixed-seed branch population."""
    _say(verbose, f"T6 calibration: {n_branches} branches (seed {seed}); targets: measured "
                  f"silent fraction {target_baseline:.2f} baseline, {target_elevated:.2f} "
                  f"elevated; k fixed at {release.k}")
    ev = T6Evaluator(n_branches, seed, release=release)
    _say(verbose, f"  population drawn at {ev.density_max:g} boutons/10 um "
                  f"({ev._full.n_boutons} boutons) for thinning ({time.time() - t0:.1f} s)")
    return ev


def _stage1(ev: T6Evaluator, target_baseline: float, target_functional: float | None,
            verbose: bool) -> tuple[float, float]:
    """Stage 1: ``(setpoint_median, anatomical_density)``; with ``target_functional``
    None the config's set-point median is kept and only the density is solved."""
    if target_functional is None:
        sp = float(ev.config.setpoint_median)
        density, _ = _calibrate_density(ev, target_baseline, verbose, sp)
        return sp, round(density, 4)
    sp, density, _ = _calibrate_baseline(ev, target_baseline, target_functional, verbose)
    return sp, density


def _achieved(ev: T6Evaluator, release, sp: float, density: float, mg_root: float,
              mg_str: str, x_info: dict, m_info: dict, *, target_baseline: float,
              target_elevated: float, target_functional: float | None,
              max_exhausted: float, on_exhausted: str) -> dict[str, Any]:
    """The calibrated values, the targets and what the stored values achieve (the first
    keys of :func:`calibrate_t6`'s result)."""
    mg_elev = parse_mg(mg_str)   # the stored value is what the model will use
    base = ev.fractions(density, ev.mg_base, sp)
    elev = ev.fractions(density, mg_elev, sp)
    ratio = (mg_elev / ev.mg_base) ** (-release.k)
    return {
        "setpoint_median": float(sp),
        "target_functional_per_branch": (float(target_functional)
                                         if target_functional is not None else float("nan")),
        "achieved_functional_per_branch": base["functional_per_branch"],
        "exhausted_baseline": base["exhausted"], "exhausted_elevated": elev["exhausted"],
        "setpoint_ratio_baseline": base["setpoint_ratio"],
        "setpoint_ratio_elevated": elev["setpoint_ratio"],
        "t6_root_mg_i": format_mg(mg_root),
        "exhausted_at_t6_root": x_info["exhausted_at_root"],
        "max_exhausted": float(max_exhausted), "on_exhausted": on_exhausted,
        "constrained": bool(x_info["constrained"]), "exhaustion_warning": x_info["warning"],
        "anatomical_density": density,
        "elevated_mg_i": mg_str,
        "elevated_mg_i_mM": mg_elev,
        "target_baseline": float(target_baseline),
        "target_elevated": float(target_elevated),
        "achieved_baseline": base["measured"],
        "achieved_elevated": elev["measured"],
        "true_silent_baseline": base["true"], "true_silent_elevated": elev["true"],
        "inactive_baseline": base["inactive"], "inactive_elevated": elev["inactive"],
        "n_boutons_baseline": base["n_boutons"],
        "k": float(release.k),
        "pr_ratio": float(ratio),
        "mg_i_baseline": format_mg(ev.mg_base),
        "mg_i_ref": format_mg(ev.mg_ref),
        "floor_silent_fraction": m_info["floor_silent_fraction"],
        "floor_mg_i": format_mg(m_info["floor_mg_i_mM"]),
    }


def _settings(ev: T6Evaluator, release, n_branches: int, seed: int) -> dict[str, Any]:
    """The fixed settings of the calibration: population and virtual assay."""
    tau_f, tau_d = _stp_seconds()
    return {
        "n_branches": int(n_branches), "seed": int(seed),
        "density_max": ev.density_max,
        "n_trials": N_TRIALS, "rate_hz": RATE_HZ,
        "functional_threshold": float(release.functional_threshold),
        "min_releases": min_releases(release.functional_threshold),
        "tau_f_s": tau_f, "tau_d_s": tau_d,
    }


def _provenance(command: str, t0: float) -> dict[str, Any]:
    """Who made the result and when (and ``path``: None until written)."""
    from .provenance import git_state, package_version
    commit, dirty = git_state()
    return {
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "git_commit": commit, "git_dirty": bool(dirty),
        "command": command,
        "mgnet_version": package_version("mgnet"),
        "numpy_version": np.__version__, "scipy_version": package_version("scipy"),
        "runtime_s": round(time.time() - t0, 2),
        "path": None,
    }


def _print_result(verbose: bool, result: dict, release) -> None:
    """The three lines that sum the calibration up."""
    _say(verbose, f"result: setpoint_median = {result['setpoint_median']}, anatomical_density "
                  f"= {result['anatomical_density']} boutons/10 um, elevated [Mg]i = "
                  f"{result['elevated_mg_i']} (Pr ratio r = {result['pr_ratio']:.4f} at k = "
                  f"{release.k})")
    _say(verbose, f"        functional boutons per branch "
                  f"{result['achieved_functional_per_branch']:.2f}; "
                  f"exhausted branches {result['exhausted_baseline']:.1%} baseline, "
                  f"{result['exhausted_elevated']:.1%} elevated (T6 root "
                  f"{result['t6_root_mg_i']}: {result['exhausted_at_t6_root']:.1%})")
    _say(verbose, f"        measured silent fraction {result['achieved_baseline']:.4f} baseline "
                  f"(target {result['target_baseline']}), {result['achieved_elevated']:.4f} "
                  f"elevated (target {result['target_elevated']}); floor "
                  f"{result['floor_silent_fraction']:.4f} at {result['floor_mg_i']}; "
                  f"{result['runtime_s']:.1f} s")


def _write_result(result: dict, path: Path, update_docs: bool | None, verbose: bool) -> None:
    """Write ``result`` to ``path`` (atomically) and, for the default file, refresh the
    generated block of ``docs/calibration.md``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(_to_toml(result), encoding="utf-8")
    tmp.replace(path)
    result["path"] = str(path)
    _say(verbose, f"wrote {path}")
    if update_docs is None:
        update_docs = path.resolve() == CALIBRATION_FILE.resolve()
    if update_docs and DOCS_FILE.exists():
        _update_docs(result)
        _say(verbose, f"updated the generated block of {DOCS_FILE}")


def calibrate_t6(n_branches: int = DEFAULT_N_BRANCHES, seed: int = DEFAULT_SEED,
                 write: bool = False, path: str | Path = CALIBRATION_FILE, *,
                 target_baseline: float = TARGET_BASELINE,
                 target_elevated: float = TARGET_ELEVATED,
                 target_functional: float | None = TARGET_FUNCTIONAL_PER_BRANCH,
                 max_exhausted: float = MAX_EXHAUSTED, on_exhausted: str = "constrain",
                 command: str | None = None, verbose: bool = True,
                 update_docs: bool | None = None) -> dict:
    """Calibrate the set-point median, ``anatomical_density`` and the elevated [Mg]i.

    Parameters
    ----------
    n_branches, seed
        Population of :func:`mgnet.models.configuration.sample_branches` (fixed seed).
    write, path
        Write the result (with provenance) to ``path`` as TOML.
    target_baseline, target_elevated
        Measured silent fractions to reach (T6: 0.53, 0.30).
    target_functional
        Functional boutons per baseline branch (Fig 1b/1c n: 863/66); None keeps the
        config's set-point median (the old two-parameter calibration).
    max_exhausted, on_exhausted
        Largest exhausted-branch fraction the elevated [Mg]i may leave, and what to do if
        the T6 root leaves more: ``"constrain"`` (largest [Mg]i within the bound),
        ``"refuse"`` (raise) or ``"warn"`` (keep the root, record a warning).
    command
        Command line recorded as provenance (default: the Python call).
    verbose
        Print progress and the result.
    update_docs
        Refresh the generated block of ``docs/calibration.md`` (default: only when
        writing the default calibration file).

    Returns
    -------
    dict
        ``anatomical_density``, ``elevated_mg_i`` (string), ``elevated_mg_i_mM``,
        ``achieved_baseline``, ``achieved_elevated``, ``k``, ``pr_ratio``, diagnostics,
        provenance and ``path`` (None if not written).

    Raises
    ------
    CalibrationError
        A target is unreachable or the objective is not monotone on its bracket.
    """
    from mgnet.models.parameters import ReleaseParams
    t0 = time.time()
    path = Path(path)
    _check_targets(target_baseline, target_elevated, on_exhausted, max_exhausted)
    if command is None:
        command = (f"python -c 'from mgnet.experiments.calibrate import calibrate_t6; "
                   f"calibrate_t6(n_branches={n_branches}, seed={seed})'")
    release = ReleaseParams()
    ev = _draw_population(n_branches, seed, release, target_baseline, target_elevated,
                          verbose, t0)
    sp, density = _stage1(ev, target_baseline, target_functional, verbose)
    _say(verbose, f"  stage 1 done: setpoint_median = {sp}, anatomical_density = {density} "
                  f"boutons per 10 um ({time.time() - t0:.1f} s)")
    mg_root, m_info = _calibrate_elevation(ev, density, target_elevated, verbose, sp)
    mg_elev, x_info = _constrain_exhaustion(ev, density, sp, mg_root, max_exhausted,
                                            on_exhausted, verbose)
    mg_str = format_mg(mg_elev)
    _say(verbose, f"  stage 2 done: elevated [Mg]i = {mg_str} ({time.time() - t0:.1f} s)")

    result: dict[str, Any] = {
        **_achieved(ev, release, sp, density, mg_root, mg_str, x_info, m_info,
                    target_baseline=target_baseline, target_elevated=target_elevated,
                    target_functional=target_functional, max_exhausted=max_exhausted,
                    on_exhausted=on_exhausted),
        **_settings(ev, release, n_branches, seed),
        **_provenance(command, t0),
    }
    _print_result(verbose, result, release)
    if write:
        _write_result(result, path, update_docs, verbose)
    else:
        _say(verbose, NOT_WRITTEN)
    return result


# --------------------------------------------------------------------------------------
# Command line: `mgnet calibrate t6 [--write | --dry-run]`
# --------------------------------------------------------------------------------------
def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got '{text}'")
    return value


def _configure(c: argparse.ArgumentParser, add_debug: bool) -> argparse.ArgumentParser:
    if add_debug:
        c.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    c.add_argument("target", choices=("t6",),
                   help="calibration target (t6: silent-bouton fraction, Zhou et al. 2024)")
    add_write_flags(c, "models/calibration.toml (or --out)")
    c.add_argument("--n-branches", type=_nonneg_int, default=DEFAULT_N_BRANCHES,
                   help=f"population size (default {DEFAULT_N_BRANCHES})")
    c.add_argument("--seed", type=_nonneg_int, default=DEFAULT_SEED,
                   help=f"population seed (default {DEFAULT_SEED})")
    c.add_argument("--out", default=None,
                   help="calibration file (default models/calibration.toml)")
    c.add_argument("--on-exhausted", choices=ON_EXHAUSTED, default="constrain",
                   help="if the T6 elevated target leaves more than --max-exhausted of the "
                        "branches exhausted: constrain (default), refuse or warn")
    c.add_argument("--max-exhausted", type=float, default=MAX_EXHAUSTED,
                   help=f"largest exhausted-branch fraction allowed (default {MAX_EXHAUSTED})")
    c.set_defaults(func=run_cli)
    return c


def add_parser(subparsers, parents: Sequence[argparse.ArgumentParser] | None = None):
    """Register the ``calibrate`` subcommand on an argparse ``subparsers`` object.

    Pass ``parents`` (e.g. the CLI's common ``--debug`` parser); without them the
    subcommand adds its own ``--debug``.  Sets ``func=run_cli``.
    """
    c = subparsers.add_parser(
        "calibrate", parents=list(parents or ()),
        help="one-time calibration of documented parameters (t6: anatomical bouton density "
             "and elevated [Mg]i against the silent-bouton fraction)")
    return _configure(c, add_debug=parents is None)


def run_cli(args: argparse.Namespace, prog: str = "mgnet") -> int:
    """Run the calibration selected on the command line; returns the exit status."""
    if args.target != "t6":   # pragma: no cover - argparse restricts choices
        raise CalibrationError(f"unknown calibration target '{args.target}'; allowed: t6")
    if args.n_branches < 1:
        raise CalibrationError("--n-branches must be >= 1")
    parts = [prog, "calibrate", "t6"]
    if args.n_branches != DEFAULT_N_BRANCHES:
        parts += ["--n-branches", str(args.n_branches)]
    if args.seed != DEFAULT_SEED:
        parts += ["--seed", str(args.seed)]
    if args.out:
        parts += ["--out", args.out]
    on_ex = getattr(args, "on_exhausted", "constrain")
    max_ex = getattr(args, "max_exhausted", MAX_EXHAUSTED)
    if on_ex != "constrain":
        parts += ["--on-exhausted", on_ex]
    if max_ex != MAX_EXHAUSTED:
        parts += ["--max-exhausted", str(max_ex)]
    write = write_requested(args)
    parts.append("--write" if write else "--dry-run")
    try:
        calibrate_t6(n_branches=args.n_branches, seed=args.seed, write=write,
                     path=Path(args.out) if args.out else CALIBRATION_FILE,
                     command=shlex.join(parts), verbose=True,
                     on_exhausted=on_ex, max_exhausted=max_ex)
    except CalibrationError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"{prog}: calibration failed: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m mgnet.experiments.calibrate t6 [--write]`` (same options as the CLI)."""
    p = _configure(argparse.ArgumentParser(prog="python -m mgnet.experiments.calibrate",
                                           description=__doc__.splitlines()[0]),
                   add_debug=False)
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    return run_cli(args, prog="python -m mgnet.experiments.calibrate")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
