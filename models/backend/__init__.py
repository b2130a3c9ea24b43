"""Brian2 device, code generation, threads and seeds: the only module that sets them.

Runtime mode (Cython) is the default for interactive work and tests.  Compile-once
standalone projects (design.md §5) are built with :func:`build_standalone`: one project
directory per network structure under an exclusive :func:`project_lock` (runs take a
shared lock), warm-started from a sibling project of the same family so that a new
structure seed recompiles only the few generated files that depend on it.

Every simulation that builds a network opens one session (:func:`simulation_session`):
a :class:`StandaloneSession` (compile-once project) or its runtime twin
:class:`RuntimeSession`, with one interface (``prepare`` the network, ``run`` it per
condition with ``run_args``-style assignments).  The sessions, :func:`configure` and
:func:`standalone_session` (a session on an explicit directory) are the only code that
selects Brian2's device, seeds Brian2's generator and sets the build flags
(:data:`STANDALONE_COMPILE_ARGS`, :data:`STANDALONE_LINK_ARGS`, ``make -j`` bounded by
:func:`build_jobs`); a standalone project's cache key is derived from what its session
is given: the network's structural signature and :func:`build_flags`
(:func:`project_key`).  The code-generation choices that make the
models cheaper without changing them are made here too (:data:`OPTIMISATIONS`, switched
off one at a time by the benchmarks' ablation with :func:`optimisations`):

* ``vectorised_neurons``: the neuron state update of a standalone project runs as a
  SIMD loop (:func:`vectorise_state_update`, template
  ``models/templates/cpp_standalone/stateupdate_simd.cpp``), and its threshold is tested
  in SIMD blocks of 64 neurons, walking only a block with a spike in order (template
  ``threshold_simd.cpp``: the same spikes in the same order); runtime mode is unchanged.
* ``pooled_background``: Poisson background drive as one Poisson count per population
  and step, scattered onto uniformly random neurons
  (:class:`mgnet.models.background.PooledPoissonInput`, templates ``pooled_poisson`` for
  cpp_standalone, Cython and numpy; :func:`code_object_class` selects them).
* ``skip_dead_work``: blocks of synapse code marked with :func:`skip_unless` (work that
  is multiplied by zero, or whose omission is exact, where a condition is 0: the
  plasticity advance after a failed release, the NMDA Ca2+ of a failure, the noise of a
  piece of length 0, ...) run inside an ``if`` (code generators of
  :func:`code_object_class` for cpp_standalone and Cython; the contacts' ``Synapses``
  use them through :func:`synapse_code_object_class`), and the C++ generator loads and
  stores an array inside the one block that alone uses it.  Off: Brian2's own
  generators run every block (the reference).  The random stream changes (fewer draws).
* ``prefetch_post``: the postsynaptic pathway of the contacts (scattered in memory)
  prefetches the arrays of the contact a few places ahead (:func:`prefetch_pathway`,
  template ``models/templates/cpp_standalone/synapses_prefetch.cpp``); same results.
* ``lean_network_loop``: a standalone project's time loop reads the process CPU clock
  once per run, not once per time step (:func:`network_source`, template
  ``models/templates/cpp_standalone/network.cpp``); same results.
* ``shared_exp``: the short-term-plasticity decays of the release pathway call
  :func:`exp_shared`, whose C++ implementation remembers its last two arguments (the
  contacts of one presynaptic neuron repeat them) and returns ``exp`` of them bit for
  bit without recomputing it; runtime mode is unchanged; same results.

The package's modules: :mod:`.device` (:func:`configure`, seeds, :func:`backend_info`),
:mod:`.flags` (build flags, :func:`build_flags`), :mod:`.sessions` (the sessions),
:mod:`.projects` (project directories: lock, warm start, build, cache key),
:mod:`.optimisations` (:data:`OPTIMISATIONS`), :mod:`.gates` (:func:`skip_unless`),
:mod:`.generators` (the gated C++ and Cython generators), :mod:`.functions`
(:func:`exp_shared`) and :mod:`.code_objects` (the
CodeObject classes with the project's templates).  Only this package sets Brian2's
device, seed and build flags.
"""
from __future__ import annotations

from .code_objects import (
                           PREFETCH_DISTANCE,
                           code_object_class,
                           network_source,
                           prefetch_pathway,
                           synapse_code_object_class,
                           vectorise_state_update,
)
from .device import backend_info, configure, quiet_brian, seed_all
from .flags import STANDALONE_COMPILE_ARGS, STANDALONE_LINK_ARGS, build_flags, build_jobs
from .functions import exp_shared
from .gates import skip_unless
from .optimisations import OPTIMISATIONS, optimisations
from .projects import (
                           build_standalone,
                           canonical_main_queue,
                           default_cache_dir,
                           project_key,
                           project_lock,
                           remove_rerun_results,
                           rerun_results_directory,
                           warm_start_project,
)
from .sessions import (
                           RuntimeSession,
                           StandaloneSession,
                           apply_assignments,  # noqa: F401  (re-exported, not in __all__)
                           simulation_session,
                           standalone_session,
)

__all__ = ["configure", "seed_all", "backend_info", "quiet_brian", "project_lock",
           "warm_start_project", "build_standalone", "STANDALONE_COMPILE_ARGS",
           "STANDALONE_LINK_ARGS", "build_jobs", "standalone_session", "StandaloneSession",
           "RuntimeSession", "simulation_session", "build_flags", "project_key",
           "default_cache_dir", "rerun_results_directory", "remove_rerun_results",
           "OPTIMISATIONS",
           "optimisations", "code_object_class", "vectorise_state_update", "skip_unless",
           "network_source", "exp_shared", "canonical_main_queue",
           "synapse_code_object_class", "prefetch_pathway", "PREFETCH_DISTANCE"]
