"""Stimulation protocols of the virtual FM-dye assay (science.md §2).

* 1AP: 30 single action potentials at 0.5 Hz (2 s spacing makes facilitation
  negligible); Zhou, Bi & Liu (2024) Methods.
* burst: the same 30 spikes as 6 trains of 5 spikes at 100 Hz, trains >= 2 s apart.

Functions return spike times as Brian2 quantities, starting at ``t0``.
"""
from __future__ import annotations

import numpy as np
from brian2 import Hz, check_units, second

__all__ = ["one_ap_times", "burst_times", "protocol_duration"]


@check_units(rate=Hz, t0=second)
def one_ap_times(n_spikes: int = 30, rate=0.5 * Hz, t0=0.1 * second):
    """Spike times of the single-AP protocol (default 30 spikes at 0.5 Hz)."""
    if n_spikes < 1:
        raise ValueError("n_spikes must be >= 1")
    return t0 + np.arange(n_spikes) / rate


@check_units(rate=Hz, train_interval=second, t0=second)
def burst_times(n_trains: int = 6, spikes_per_train: int = 5, rate=100 * Hz,
                train_interval=4 * second, t0=0.1 * second):
    """Spike times of the burst protocol (default 6 trains of 5 spikes at 100 Hz).

    ``train_interval`` is onset-to-onset; it must exceed the train duration.
    """
    if n_trains < 1 or spikes_per_train < 1:
        raise ValueError("need at least one train of one spike")
    if train_interval <= (spikes_per_train - 1) / rate:
        raise ValueError("trains overlap: train_interval must exceed the train duration")
    within = np.arange(spikes_per_train) / rate
    onsets = np.arange(n_trains) * train_interval
    return t0 + (onsets[:, None] + within[None, :]).ravel()


def protocol_duration(times, tail=1 * second):
    """Time needed to deliver ``times`` and let the last responses decay."""
    return times[-1] + tail
