"""The runner: resolved configs in, run files out (issue 16, out of the command line).

- :func:`resolve_configs`: the configs of ``mgnet run`` / ``mgnet sweep`` from an
  experiment name, conditions, seeds, a scale, a config file and ``--set`` tables;
- :func:`default_run_path` and :func:`config_tag`: where a run file of a config goes
  (``results/runs/<experiment>/<condition>_seed<N>_<scale>[_<tag>].h5``);
- :func:`check_output_file` / :func:`check_output_dir`: refuse an output place before
  anything is built;
- :func:`run_experiments`: run configs of one experiment (one build for all conditions
  when the experiment has a ``run_group``) and write each run file atomically, with its
  provenance;
- :func:`run_config_texts` and ``python -m mgnet.experiments.runner``: the same from the
  configs' resolved TOML texts, which is how a sweep task runs (:mod:`mgnet.experiments.
  sweep` starts one such process per task, handing it the configs it has already
  resolved, so that Brian2's device state stays per process).

The command line (:mod:`mgnet.experiments.cli`) only parses arguments and prints; the
sweep engine and the calibrations call this module.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

from mgnet.analysis.run_file import write_run
from mgnet.models.backend import backend_info, configure

from . import registry
from .config import ConfigError, from_toml, load_config, make_config
from .errors import OutputPathError
from .progress import StageProgress
from .provenance import provenance_attrs

__all__ = ["resolve_configs", "config_tag", "default_run_path", "check_output_dir",
           "check_output_file", "run_experiment", "run_experiments", "run_config_texts",
           "OutputPathError", "main"]


# ------------------------------------------------------------------------- configs
def resolve_configs(experiment: str, conditions=(None,), seeds=(None,), *, scale=None,
                    config=None, sets: dict | None = None) -> list:
    """The resolved config of every (condition, seed), conditions outer.

    A ``None`` condition, seed or scale takes the config file's value (else the default);
    ``sets`` are the ``--set`` tables (:func:`mgnet.experiments.config.parse_sets`),
    applied over the config file.

    Raises
    ------
    ConfigError
        Unknown experiment, key, unit, preset or out-of-range value.
    """
    sets = sets or {}
    cfgs = []
    for condition in conditions:
        for seed in seeds:
            cli = dict(condition=condition, seed=seed, scale=scale)
            if config is not None:
                cfgs.append(load_config(config, experiment=experiment, sets=sets, **cli))
            else:
                cfgs.append(make_config(experiment, params=sets.get("params"),
                                        options=sets.get("options"),
                                        **{k: v for k, v in cli.items() if v is not None}))
    return cfgs


def config_tag(cfg) -> str:
    """Short hash of what a config changes relative to its defaults ('' if nothing).

    The defaults are the config that ``make_config`` gives for the same experiment,
    condition, seed and scale with no ``[params]`` and no ``[options]``.  The tag is the
    first 8 hex digits of the SHA-1 of the resolved TOML lines (qualified by their
    section) that differ from the defaults, so two configs that differ in any parameter
    or option get different tags, configs that resolve to the same values get the same
    tag, and the same override applied to two conditions gets the same tag in both.
    """
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
    return Path(results) / "runs" / cfg.experiment / f"{name}.h5"


# ------------------------------------------------------------------------- outputs
def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (``.`` for a relative path)."""
    path = Path(path)
    while not (path.exists() or path.is_symlink()) and path != path.parent:
        path = path.parent
    return path


def check_output_dir(directory: Path, *, what: str = "output") -> None:
    """Refuse, before anything is built or simulated, a directory that cannot be
    created or written.

    An existing directory is probed by creating (and at once removing) an anonymous
    temporary file in it, which also catches read-only mounts and ACLs; a directory
    still to be created needs its nearest existing ancestor to be a writable directory.
    Nothing is left behind either way.

    Raises
    ------
    OutputPathError
        One line naming ``what``, the directory and the reason.
    """
    directory = Path(directory)
    base = _nearest_existing(directory)
    if not base.is_dir():
        kind = "a file" if base.is_file() else "not a directory"
        raise OutputPathError(f"cannot write the {what} under '{directory}': '{base}' is "
                              f"{kind}; choose another location")
    if base == directory:
        try:
            with tempfile.TemporaryFile(dir=directory):
                pass
        except OSError as exc:
            raise OutputPathError(f"cannot write the {what} in '{directory}' "
                                  f"({exc.strerror or exc}); choose another "
                                  "location") from None
    elif not os.access(base, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot create '{directory}' for the {what}: '{base}' is "
                              f"not writable; choose another location")


def check_output_file(out: Path) -> None:
    """Refuse, before anything is built or simulated, a run-file path that exists or
    whose directory cannot be created or written (:func:`check_output_dir`).

    Raises
    ------
    FileExistsError
        The file (or a dangling link of that name) exists: run files are never
        overwritten.
    OutputPathError
        The directory cannot be created or written.
    """
    out = Path(out)
    if out.exists() or out.is_symlink():
        raise FileExistsError(f"{out} already exists; run files are never overwritten "
                              f"(choose --out or another seed)")
    check_output_dir(out.parent, what=f"run file '{out.name}'")


# ------------------------------------------------------------------------- running
def run_experiment(cfg, out: Path, *, quiet: bool = False) -> Path:
    """Run one configured experiment and write its run file atomically to ``out``."""
    (path,) = run_experiments([cfg], [out], quiet=quiet)
    return path


def run_experiments(cfgs, outs, *, quiet: bool = False) -> list[Path]:
    """Run configs of one experiment that differ only in the condition, and write
    each run file atomically as soon as its run is done.

    An experiment with a ``run_group`` builds the network once for all of them (compile
    once, rerun with ``run_args``); otherwise each config runs on its own.  A failure
    after the first file leaves the files already written.  Every output path is checked
    first (:func:`check_output_file`), so an existing file or an unwritable directory
    ends the command before anything is built.
    """
    outs = [Path(out) for out in outs]
    for out in outs:           # before anything is built: fail in one line, not hours later
        check_output_file(out)
    cfg0 = cfgs[0]
    backend = configure(device="runtime", codegen_target="cython", threads=1, seed=cfg0.seed)
    exp = registry.get(cfg0.experiment)
    paths = []
    with StageProgress(f"run {cfg0.experiment}", quiet=quiet) as bar:
        if len(cfgs) > 1 and exp.run_group is not None:
            results = exp.run_group(list(cfgs), bar.part())
        else:
            results = (exp.run(cfg, bar.part(k, len(cfgs))) for k, cfg in enumerate(cfgs))
        for cfg, out, data in zip(cfgs, outs, results, strict=True):
            info = backend
            device_option = getattr(cfg.options, "device", None)
            if device_option and device_option != backend["device"]:
                # The experiment ran on its own device (compile-once standalone): record that.
                info = backend_info(device_option, None, backend["threads"])
            data.attrs = dict(provenance_attrs(cfg, info, run_id=out.stem), **data.attrs)
            paths.append(write_run(out, data))
    return paths


def run_config_texts(texts, outs, *, quiet: bool = True) -> list[Path]:
    """:func:`run_experiments` of configs given as their resolved TOML texts
    (:meth:`~mgnet.experiments.config.RunConfig.to_toml`; read back with
    :func:`~mgnet.experiments.config.from_toml`, which refuses a text that does not
    resolve to itself: the run would not be the config it was asked for)."""
    texts, outs = list(texts), [Path(o) for o in outs]
    if not texts or len(texts) != len(outs):
        raise ValueError(f"{len(texts)} config(s) for {len(outs)} run file(s)")
    return run_experiments([from_toml(text) for text in texts], outs, quiet=quiet)


def main(argv=None) -> int:
    """``python -m mgnet.experiments.runner``: one sweep task.

    Reads ``{"configs": [TOML text, ...], "outs": [path, ...]}`` (JSON) on stdin, runs
    them with :func:`run_config_texts` and prints the run files written.  On an error:
    the traceback, then one last line ``mgnet: error: ...`` on stderr (the sweep
    manifest records that line), exit status 1.
    """
    try:
        task = json.load(sys.stdin)
        for path in run_config_texts(task["configs"], task["outs"], quiet=True):
            print(f"wrote {path}")
    except Exception as exc:  # noqa: BLE001 - the task reports every error in one line
        traceback.print_exc()
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"mgnet: error: {msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
