"""A run as a Neo ``Block`` (spike trains, epochs and annotations) for Elephant.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from ..run_file import RunData
from .base import _as_run, _require
from .contents import (
    _run_annotations,
    _split_by_node,
    _time_span,
    interval_tables,
    population_sizes,
)

# --------------------------------------------------------------------------------- Neo


def to_neo(run_file: str | os.PathLike | RunData, *,
           sizes: Mapping[str, int] | None = None):
    """Convert a run file to a ``neo.Block`` for Elephant and other Neo-based tools.

    Parameters
    ----------
    run_file : str, os.PathLike or RunData
        A run file (read and validated with :func:`~mgnet.analysis.run_file.read_run`) or a
        run already read.
    sizes : mapping of str to int, optional
        Population sizes, if the run's metrics do not give them (see
        :func:`population_sizes`).

    Returns
    -------
    neo.Block
        One block (``name`` = run id, annotations experiment, condition, seed, run_id,
        scale and the run's scalar ``metrics`` as a dict) with one ``neo.Segment``
        holding:

        - ``spiketrains``: one ``neo.SpikeTrain`` per neuron of every population, in
          population order and by node id, silent neurons included (empty trains);
          times in s, ``t_start``/``t_stop`` the protocol's first start and last stop
          (widened to the last spike if a spike falls outside), name
          ``"<population>:<node id>"``, annotations ``population``, ``node_id``,
          ``experiment``, ``condition``, ``seed``, ``run_id``, ``scale``;
        - ``epochs``: one ``neo.Epoch`` per table of :func:`interval_tables`
          (``protocol``, ``recall_cues``, ``bursts``, ...), with labels and the tables'
          1-D columns as array annotations.

        ``block.groups`` has one ``neo.Group`` per population holding its spike trains.

    Raises
    ------
    MissingDependencyError
        neo (or quantities) is not installed.
    RunFileError
        The file is not a complete, valid run file.
    """
    neo = _require("neo", "to_neo")
    pq = _require("quantities", "to_neo")
    run = _as_run(run_file)
    ann = _run_annotations(run)
    t_start, t_stop = _time_span(run)
    block = neo.Block(name=ann["run_id"], description=f"mgnet run file {ann['run_id']}",
                      **ann)
    block.annotate(metrics=dict(run.metrics))
    seg = neo.Segment(name=ann["run_id"], **ann)
    block.segments.append(seg)
    for pop, n in population_sizes(run, sizes).items():
        times, ids = run.spikes[pop]
        group = neo.Group(name=pop, population=pop)
        for node, st_times in enumerate(_split_by_node(times, ids, n)):
            st = neo.SpikeTrain(st_times, units=pq.s, t_start=t_start * pq.s,
                                t_stop=t_stop * pq.s, name=f"{pop}:{node}",
                                population=pop, node_id=node, **ann)
            seg.spiketrains.append(st)
            group.add(st)
        block.groups.append(group)
    for name, tab in interval_tables(run).items():
        arr_ann = {k: v for k, v in tab["columns"].items() if np.ndim(v) == 1}
        seg.epochs.append(neo.Epoch(times=tab["start"] * pq.s,
                                    durations=(tab["stop"] - tab["start"]) * pq.s,
                                    labels=np.array(tab["labels"], dtype="U"), name=name,
                                    description=tab["description"],
                                    array_annotations=arr_ann))
    block.check_relationships()
    return block
