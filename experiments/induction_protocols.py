"""The stimulus protocols of plasticity-induction (numpy): pairing, burst, anti, unpaired
and the STDP points, one :class:`InductionProtocol` copy each (the list and its order:
:mod:`mgnet.experiments.plasticity_induction`'s docstring, "Protocols").

Moved out of :mod:`mgnet.experiments.plasticity_induction` (issue 16), which still
exports every name.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, second


@dataclass(frozen=True)
class InductionProtocol:
    """Stimulus of one protocol copy (times in s)."""
    name: str
    kind: str                 #: "pair" or "burst"
    dt: float                 #: t_post - t_pre (s); NaN for bursts
    pre_times: np.ndarray     #: presynaptic spike times
    post_targets: np.ndarray  #: wanted postsynaptic spike times (empty for bursts)
    t_stop: float             #: end of the protocol (read-out time)


#: First presynaptic spike (leaves room for post spikes before it, Δt >= -400 ms).
T_FIRST = 0.5


def stdp_label(dt_s: float) -> str:
    """Protocol name of an STDP point, e.g. -0.1 s -> 'stdp_m100ms', 0.01 s -> 'stdp_p10ms'."""
    v = round(float(dt_s) * 1e3, 6)
    sign = "m" if v < 0 else "p" if v > 0 else ""
    return f"stdp_{sign}{abs(v):g}ms".replace(".", "_")


def _s(x) -> float:
    """A time quantity as float seconds."""
    return float(x / second)



def protocols_of(opts) -> list[InductionProtocol]:
    """The protocol copies in order: pairing, burst, anti, unpaired, then the STDP points."""
    f = float(opts.pair_rate / Hz)
    pre_pairs = T_FIRST + np.arange(opts.n_pairs) / f
    t_pairs = T_FIRST + opts.n_pairs / f

    def pair(name, dt):
        d = _s(dt)
        return InductionProtocol(name, "pair", d, pre_pairs.copy(), pre_pairs + d, t_pairs)

    rb, rt = float(opts.burst_rate / Hz), float(opts.train_rate / Hz)
    onsets = T_FIRST + np.arange(opts.n_trains) / rt
    burst = (onsets[:, None] + np.arange(opts.spikes_per_train)[None, :] / rb).ravel()
    out = [pair("pairing", opts.pairing_dt),
           InductionProtocol("burst", "burst", float("nan"), burst, np.zeros(0),
                             T_FIRST + opts.n_trains / rt),
           pair("anti", opts.anti_dt),
           pair("unpaired", 0.5 / f * second)]
    out += [pair(stdp_label(_s(d)), d) for d in opts.stdp_dt]
    return out

