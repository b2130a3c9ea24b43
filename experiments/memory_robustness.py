"""Robustness of the memory comparison (issue 14 item 5): the paired elevated_mg −
baseline effect of ``memory-encoding`` with one uncertain parameter moved by ±20 %.

Every perturbation is one ``[params]`` override (a ``--set`` item) applied to both
conditions, so the run files of one perturbation carry one config tag
(:func:`mgnet.experiments.cli.config_tag`) and line up in pairs; the unperturbed runs are
the comparison's own default run files.  The runs go through the sweep engine
(:func:`mgnet.experiments.sweep.run_configs`), all at once so that every core is busy:
``mgnet reproduce`` submits them with its other runs, :func:`run_robustness` alone
(manifest ``results/sweeps/robustness_<scale>.json``); :func:`group_key` gives each
perturbation and seed one task (one build, both conditions).  They are resumable, and
their run files have names of their own (the config tag), so no run moves another
perturbation's file aside.  The analysis
(``mgnet.analysis.memory_robustness``) reads the perturbation back from each run file's
resolved config, not from this table.

Which parameters (science.md §4, the ``uncertain`` flags of ``mgnet params``):

* ``calcium.ca_o`` — [Ca]o of the medium (1.8 mM, Brewer et al. 1993's formulation);
* ``spine_ca.bap_amplitude`` — bAP peak at the spine (67 mV, uncertain);
* ``plasticity.tau`` — τ of ρ, the time constant of the slow bistability that is the
  default rule's protecting mechanism (docs/plasticity.md §9);
* ``receptors.glun2b_fraction`` — GluN2B fraction (0.5, no independent value found);
* ``culture.extra_contacts_mean`` — contacts per connection, 1 + Poisson(mean) with mean
  2 (3 contacts on average, uncertain).  The ±20 % apply to the contacts per connection
  (3 -> 2.4 / 3.6), so the Poisson mean goes to 1.4 / 2.6 (its own factor 0.70 / 1.30,
  which is what the tornado's label shows).

Plasticity presets: docs/plasticity.md §8 — no preset passes all pre-registered tests at
the culture's medium; the default (``hippocampal_cultures``) was chosen by the decision
rule's second clause, so it is the only preset swept here.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["FACTORS", "PARAMETERS", "CONDITIONS", "SEEDS", "perturbations", "plan",
           "configs", "group_key", "run_robustness"]

#: Relative changes of every parameter.
FACTORS = (0.8, 1.2)
#: (section, key, default value as a number, unit string or "", offset) of the perturbed
#: parameters; the defaults are checked against the parameter dataclasses by the tests.
#: The factor applies to ``default + offset`` (the contacts per connection are 1 + the
#: Poisson mean): value = (default + offset) * factor - offset.
PARAMETERS = (
    ("calcium", "ca_o", 1.8, "mM", 0.0),
    ("spine_ca", "bap_amplitude", 67.0, "mV", 0.0),
    ("plasticity", "tau", 33.7596, "s", 0.0),
    ("receptors", "glun2b_fraction", 0.5, "", 0.0),
    ("culture", "extra_contacts_mean", 2.0, "", 1.0),
)
CONDITIONS = ("baseline", "elevated_mg")
#: Comparison seeds (never the calibration seeds >= 1000), paired across conditions and
#: perturbations, per scale.
SEEDS = {"default": (0, 1, 2), "quick": (0,), "paper": (0, 1, 2)}


def _value(default: float, unit: str, factor: float, offset: float = 0.0) -> str:
    v = round((default + offset) * factor - offset, 6)
    return f"{v:.10g} {unit}" if unit else f"{v:.10g}"


def perturbations(scale: str = "default") -> list[tuple[str, str]]:
    """(label, ``--set`` item) of every perturbation at ``scale``, seed-independent.

    At ``quick`` scale only the first parameter's +20 % (the code path, for tests)."""
    out = []
    for section, key, default, unit, offset in PARAMETERS:
        for f in FACTORS:
            label = f"{key}_{'plus' if f > 1 else 'minus'}{round(abs(f - 1) * 100)}"
            out.append((label, f"params.{section}.{key}={_value(default, unit, f, offset)}"))
    return out[1:2] if scale == "quick" else out


def plan(scale: str = "default"):
    """[(label, set item, seed)] in run order: seed-major, so that an interrupted sweep
    leaves every perturbation at the first seeds."""
    return [(label, item, seed) for seed in SEEDS[scale]
            for label, item in perturbations(scale)]


def configs(scale: str = "default") -> list:
    """The resolved ``memory-encoding`` configs of every perturbation x seed x condition
    of :func:`plan`, in its order (each perturbation's ``--set`` item applied)."""
    from .sweep import _resolve_configs
    return [cfg for _label, item, seed in plan(scale)
            for cfg in _resolve_configs("memory-encoding", CONDITIONS, [seed], scale, None,
                                        [item])]


def group_key(cfg) -> str:
    """Task key of a robustness run (``run_configs(group_key=...)``): its config tag,
    the same for both conditions of one perturbation and different between
    perturbations, so each perturbation and seed is one build."""
    from .runner import config_tag
    return config_tag(cfg)


def run_robustness(results: Path, scale: str = "default", workers: int | None = None,
                   scheduler: str | None = None, progress: bool = True):
    """Run every perturbation x seed x condition of :func:`plan` (resumable) in one
    sweep (manifest ``robustness_<scale>``); returns its
    :class:`~mgnet.experiments.sweep.SweepResult`."""
    from .sweep import run_configs
    return run_configs(configs(scale), results, workers=workers, scheduler=scheduler,
                       progress=progress, name=f"robustness_{scale}",
                       command=f"python -m mgnet.experiments.memory_robustness {results} "
                               f"{scale}",
                       header={"scale": scale, "robustness": [i for _, i in
                                                              perturbations(scale)]},
                       desc="robustness", group_key=group_key)


if __name__ == "__main__":          # python -m mgnet.experiments.memory_robustness RESULTS
    import sys

    _r = run_robustness(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "default",
                        progress=False)
    print(_r.manifest_path, _r.counts, flush=True)
