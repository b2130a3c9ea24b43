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
  ``models/templates/cpp_standalone/stateupdate_simd.cpp``); runtime mode is unchanged.
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
"""
from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import brian2
from brian2 import prefs, BrianLogger, set_device, device as _device

__all__ = ["configure", "seed_all", "backend_info", "quiet_brian", "project_lock",
           "warm_start_project", "build_standalone", "STANDALONE_COMPILE_ARGS",
           "STANDALONE_LINK_ARGS", "build_jobs", "standalone_session", "StandaloneSession",
           "RuntimeSession", "simulation_session", "build_flags", "project_key",
           "default_cache_dir", "rerun_results_directory", "remove_rerun_results",
           "OPTIMISATIONS",
           "optimisations", "code_object_class", "vectorise_state_update", "skip_unless",
           "synapse_code_object_class", "prefetch_pathway", "PREFETCH_DISTANCE"]


def quiet_brian() -> None:
    """Silence Brian2 log messages that are expected for these models.

    ``brian2.codegen.generators.base`` warns that on_pre code which reads ``v_post``
    and increments conductances of the same target "may depend on the order of
    execution"; the increments are additive and the read variables are not written,
    so the result is order independent.
    """
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    BrianLogger.log_level_error()


def seed_all(seed: int) -> None:
    """Seed Brian2's and numpy's random number generators."""
    brian2.seed(seed)
    np.random.seed(seed)


def configure(*, device: str = "runtime", codegen_target: str = "cython",
              threads: int = 1, seed: int | None = None, directory: str | None = None) -> dict:
    """Select device and code generation; one thread per process (see README).

    Parameters
    ----------
    device : {"runtime", "cpp_standalone"}
    codegen_target : {"cython", "numpy"}
        Runtime code generation target.
    threads : int
        OpenMP threads for standalone mode (1 recommended on small machines).
    seed : int, optional
        Seeds Brian2 and numpy when given.
    directory : str, optional
        Standalone project directory.

    Returns
    -------
    dict
        What :func:`backend_info` reports, for the run file's provenance.
    """
    if device not in ("runtime", "cpp_standalone"):
        raise ValueError(f"unknown device '{device}'; allowed: runtime, cpp_standalone")
    if codegen_target not in ("cython", "numpy"):
        raise ValueError(f"unknown codegen target '{codegen_target}'; allowed: cython, numpy")
    if threads < 1:
        raise ValueError("threads must be >= 1")
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    quiet_brian()
    if device == "runtime":
        set_device("runtime")
        prefs.codegen.target = codegen_target
    else:
        _apply_standalone_prefs()
        set_device("cpp_standalone", directory=directory, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    if seed is not None:
        seed_all(seed)
    return backend_info(device, codegen_target, threads)


def backend_info(device: str = "runtime", codegen_target: str | None = None,
                 threads: int = 1) -> dict:
    """Device description stored in run files."""
    target = codegen_target if device == "runtime" else "cpp_standalone"
    return {"device": device, "codegen_target": target or str(prefs.codegen.target),
            "threads": int(threads)}


# --------------------------------------------------------------------------------------
# Build flags of every standalone project (one place)
# --------------------------------------------------------------------------------------
#: Added to Brian2's compile flags (``-O3 -ffast-math -fno-finite-math-only
#: -march=native``): honour ``#pragma omp simd`` (stateupdate_simd.cpp) without
#: OpenMP threads.  ``-fno-finite-math-only`` stays: the code must keep NaN and
#: infinities meaningful (runaway dynamics are detected from NaN membrane potentials).
STANDALONE_COMPILE_ARGS = ("-fopenmp-simd",)
#: Added to the link flags: ``-ffast-math`` links crtfastmath.o, which sets
#: flush-to-zero and denormals-are-zero at start-up.  The Euler decay g += -dt/tau*g
#: never reaches 0 in floating point, so conductances that are not kicked for a while
#: become denormal, which made the neuron update ~2.5x slower (AMD EPYC).
STANDALONE_LINK_ARGS = ("-ffast-math",)


def build_jobs() -> int:
    """Parallel compile jobs of a standalone build: ``$MGNET_BUILD_JOBS`` if set, else
    the number of cores this process may run on (Brian2's default ``make -j`` starts
    one compiler per source file at once)."""
    env = os.environ.get("MGNET_BUILD_JOBS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(f"MGNET_BUILD_JOBS must be a positive integer, got {env!r}")
        if n < 1:
            raise ValueError(f"MGNET_BUILD_JOBS must be a positive integer, got {env!r}")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # not Linux
        return max(1, os.cpu_count() or 1)


#: The preferences :func:`standalone_session` sets (and restores afterwards).
_STANDALONE_PREFS = ("codegen.cpp.extra_compile_args_gcc", "codegen.cpp.extra_link_args",
                     "devices.cpp_standalone.extra_make_args_unix",
                     "devices.cpp_standalone.openmp_threads")


def _apply_standalone_prefs(threads: int = 1, jobs: int | None = None) -> None:
    compile_args = list(prefs.codegen.cpp.extra_compile_args_gcc)
    link_args = list(prefs.codegen.cpp.extra_link_args)
    prefs.codegen.cpp.extra_compile_args_gcc = compile_args + [
        a for a in STANDALONE_COMPILE_ARGS if a not in compile_args]
    prefs.codegen.cpp.extra_link_args = link_args + [
        a for a in STANDALONE_LINK_ARGS if a not in link_args]
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{jobs or build_jobs()}"]
    prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0


@contextmanager
def standalone_session(directory, *, threads: int = 1, jobs: int | None = None):
    """A :class:`StandaloneSession` on the explicit project ``directory`` (no seed, no
    cache key): Brian2's ``cpp_standalone`` device with the project's build flags, reset
    to runtime mode with the previous preferences on exit.  For tests and one-off
    projects; experiments use :func:`simulation_session`.

    Yields
    ------
    brian2.devices.cpp_standalone.CPPStandaloneDevice
    """
    with StandaloneSession(directory=directory, threads=threads, jobs=jobs) as session:
        yield session.brian_device


# --------------------------------------------------------------------------------------
# Code generation that makes the models cheaper without changing them
# --------------------------------------------------------------------------------------
#: Switches of the optimisations (all on; the benchmarks' ablation turns them off).
OPTIMISATIONS = {"vectorised_neurons": True, "pooled_background": True,
                 "skip_dead_work": True, "prefetch_post": True}


@contextmanager
def optimisations(**switches):
    """Set :data:`OPTIMISATIONS` for the objects built inside the block (ablations)."""
    unknown = set(switches) - set(OPTIMISATIONS)
    if unknown:
        raise ValueError(f"unknown optimisation(s) {sorted(unknown)}; allowed: "
                         f"{', '.join(OPTIMISATIONS)}")
    saved = dict(OPTIMISATIONS)
    OPTIMISATIONS.update({k: bool(v) for k, v in switches.items()})
    try:
        yield dict(OPTIMISATIONS)
    finally:
        OPTIMISATIONS.clear()
        OPTIMISATIONS.update(saved)


# --------------------------------------------------------------------------------------
# Work that may be skipped: gated statement blocks
# --------------------------------------------------------------------------------------
#: Tag of a gated statement in its comment (written by :func:`skip_unless`).
_GATE_TAG = re.compile(r"@skip_unless\((\w+)\)\s*")


def skip_unless(condition: str, code: str, name: str) -> str:
    """Mark the Brian2 statements ``code`` as work that may be skipped where ``condition``
    is 0 (for a synapse, neuron, ...), without an ``if`` in the abstract code.

    Returns ``code`` preceded by the statement ``gate_<name> = <condition>`` and with
    every statement tagged ``@skip_unless(gate_<name>)`` in its comment.  The
    code-generation classes of :func:`code_object_class` (cpp_standalone, Cython) then
    run the tagged statements inside ``if (gate_<name>) {...}``; any other generator, and
    Brian2's own classes (``OPTIMISATIONS["skip_dead_work"]`` off, the ablation), run
    them unconditionally, which is the reference.  Gates nest (apply ``skip_unless`` to
    code that contains gated blocks) and may be used in any code string.

    The block must be skippable where the condition is 0: there it either changes
    nothing (it computes terms that are multiplied by zero, or adds 0), or its work can
    be left out exactly (e.g. advancing the plasticity state over an interval that the
    next advance covers anyway).  Skipping changes the random stream where the block
    draws random numbers.  A temporary first assigned inside the block reads 0 after it
    where the block was skipped, so a temporary used afterwards must also be 0 when the
    block runs with the condition 0 (e.g. a Ca2+ amplitude proportional to
    ``release``).  Statements of the block that Brian2 runs once per time step (scalar
    code) are not gated; they must not write shared variables.

    Parameters
    ----------
    condition : str
        Brian2 expression; the block runs where it is non-zero.
    code : str
        Brian2 statements (one per line; comments kept).
    name : str
        Identifier of the gate (unique within a code block).
    """
    if not re.fullmatch(r"[A-Za-z]\w*", name):
        raise ValueError(f"gate name must be an identifier, got {name!r}")
    gate = f"gate_{name}"
    out = [f"{gate} = {condition}    # skip-unless gate (mgnet.models.backend.skip_unless)"]
    for line in code.splitlines():
        text, _, comment = line.partition("#")
        for stmt in text.split(";"):
            if stmt.strip():
                out.append(f"{stmt.strip()}    # @skip_unless({gate}) {comment.strip()}")
    return "\n".join(out) + "\n"


def _gate_path(stmt) -> tuple:
    """Gates of a statement, outermost first (from its comment)."""
    return tuple(_GATE_TAG.findall(stmt.comment or ""))


def _untagged(stmt, **changes):
    """A copy of ``stmt`` without gate tags in its comment (and other ``changes``)."""
    import copy
    new = copy.copy(stmt)
    new.comment = _GATE_TAG.sub("", stmt.comment or "").strip()
    for k, v in changes.items():
        setattr(new, k, v)
    return new


def _gate_plan(generator, statements):
    """(statement, gate path) per statement, and the temporaries first assigned inside a
    gate (declared before the block, initialised to 0).  Scalar statements and
    statements with no tag get the empty path."""
    plan, hoisted, defined = [], {}, set()
    assigned = {stmt.var for stmt in statements}
    for stmt in statements:
        path = () if stmt.scalar else _gate_path(stmt)
        if stmt.scalar and _gate_path(stmt) and not stmt.var.startswith("gate_"):
            # (A gate's own condition may be scalar, e.g. a shared switch: it is only
            # read as the condition of its block.)
            raise ValueError(f"gated statement '{stmt}' is scalar (computed once per "
                             f"time step): it cannot be gated; compute it outside the "
                             f"block")
        for gate in path:
            if gate in assigned and gate not in defined:
                raise ValueError(f"gate '{gate}' is used before it is assigned "
                                 f"(statement '{stmt}')")
        if path and stmt.op == ":=" and stmt.var not in generator.variables:
            hoisted[stmt.var] = stmt.dtype
        if stmt.var in path:
            raise ValueError(f"gate '{stmt.var}' is assigned inside its own block")
        defined.add(stmt.var)
        plan.append((stmt, path))
    return plan, hoisted


def _gated_lines(generator, statements, conditional_write_vars, *, open_gate, close_gate,
                 declare, indent_unit, region_loads=None, region_stores=None):
    """Lines of ``statements`` with gated runs wrapped by ``open_gate(gate)`` /
    ``close_gate()``; ``declare(var, dtype)`` declares a hoisted temporary;
    ``region_loads`` / ``region_stores`` map a depth-1 gate region (0, 1, ...: each
    opening of an outermost gate) to the lines that load / store the arrays that only
    that region uses (:func:`_region_arrays`)."""
    plan, hoisted = _gate_plan(generator, statements)
    lines = [declare(var, dtype) for var, dtype in hoisted.items()]
    stack, region = [], -1

    def close():
        if len(stack) == 1:
            for store in (region_stores or {}).get(region, ()):
                lines.append(indent_unit + store)
        stack.pop()
        closing = close_gate()
        if closing:
            lines.append(indent_unit * len(stack) + closing)

    for stmt, path in plan:
        common = 0
        while common < min(len(stack), len(path)) and stack[common] == path[common]:
            common += 1
        while len(stack) > common:
            close()
        for gate in path[common:]:
            lines.append(indent_unit * len(stack) + open_gate(gate))
            stack.append(gate)
            if len(stack) == 1:
                region += 1
                for load in (region_loads or {}).get(region, ()):
                    lines.append(indent_unit + load)
        if stmt.var in hoisted and stmt.op == ":=":
            stmt = _untagged(stmt, op="=", constant=False)
        else:
            stmt = _untagged(stmt)
        code = generator.translate_statement(stmt)
        if stmt.var in conditional_write_vars:
            code = (generator._conditional_prefix(conditional_write_vars[stmt.var])
                    + "\n" + indent_unit + code)
        for line in code.split("\n"):
            lines.append(indent_unit * len(stack) + line)
    while stack:
        close()
    return lines


def _region_arrays(generator, statements, read, write, indices, exclude):
    """Arrays accessed by the statements that one depth-1 gate region (each opening of
    an outermost gate: 0, 1, ...) can load or store by itself, so that a skipped block
    costs no memory traffic: ``(loads, stores)``, each ``{region: names}``.

    ``loads``: arrays that only that region reads or writes, loaded when its outermost
    gate opens instead of before all the statements; an index array (e.g.
    ``_postsynaptic_idx``) moves with them if every array it indexes does.  ``stores``:
    arrays that only that region writes, stored before its outermost gate closes
    instead of after all the statements (where the block is skipped, the line is not
    written).  ``exclude``: names that must stay outside."""
    from brian2.utils.stringtools import get_identifiers
    users: dict = {}
    writers: dict = {}
    region, previous = -1, ()
    for stmt in statements:
        path = () if stmt.scalar else _gate_path(stmt)
        if path and (not previous or previous[0] != path[0]):
            region += 1          # a depth-1 gate opens (as _gated_lines counts them)
        previous = path
        where = region if path else None
        for name in get_identifiers(stmt.expr) | {stmt.var}:
            if name in read or name in write:
                users.setdefault(name, set()).add(where)
        if stmt.var in write:
            writers.setdefault(stmt.var, set()).add(where)

    def single(table):
        out: dict = {}
        for name, regions in table.items():
            if name in exclude or len(regions) != 1 or None in regions:
                continue
            out.setdefault(next(iter(regions)), set()).add(name)
        return out

    loads, stores = single(users), single(writers)
    moved = {n: r for r, names in loads.items() for n in names}
    for index in indices:
        dependants = {n for n in read | write if generator.variable_indices[n] == index}
        regions = {moved.get(n) for n in dependants}
        if dependants and len(regions) == 1 and None not in regions and index not in users:
            loads[next(iter(regions))].add(index)
    return loads, stores


def _arrays_helper(generator, statements, base):
    """Brian2's (read, write, indices, conditional writes), where an array written in a
    gated block is also read: its value is stored back after the statements, and must
    be its old value where the block was skipped."""
    read, write, indices, cond = base(statements)
    read |= {s.var for s in statements if s.var in write and _gate_path(s)}
    return read, write, indices, cond


def _generator_classes() -> dict:
    """Brian2's C++ and Cython code generators that honour :func:`skip_unless` gates."""
    from brian2.codegen.generators.cpp_generator import CPPCodeGenerator
    from brian2.codegen.generators.cython_generator import CythonCodeGenerator
    from brian2.utils.stringtools import stripped_deindented_lines

    class MgnetCPPCodeGenerator(CPPCodeGenerator):
        """C++ generator: gated blocks run inside ``if (gate) {...}``; arrays that only
        one gated block uses are loaded (and stored) inside it."""

        def arrays_helper(self, statements):
            return _arrays_helper(self, statements, super().arrays_helper)

        def _conditional_prefix(self, condvar):
            return f"if({condvar})"

        def translate_to_statements(self, statements, conditional_write_vars):
            if not any(_gate_path(s) for s in statements):
                return super().translate_to_statements(statements, conditional_write_vars)
            return _gated_lines(
                self, statements, conditional_write_vars,
                open_gate=lambda g: f"if ({g}) {{", close_gate=lambda: "}",
                declare=lambda v, dt: f"{self.c_data_type(dt)} {v} = 0;",
                indent_unit="    ", region_loads=getattr(self, "_region_loads", None),
                region_stores=getattr(self, "_region_stores", None))

        def translate_statement_sequence(self, sc_statements, ve_statements):
            kwds = self.determine_keywords()
            sc_code, ve_code = {}, {}
            for block_name in sc_statements:
                sc_block, ve_block = sc_statements[block_name], ve_statements[block_name]
                sc_read, sc_write, sc_indices, sc_cond = self.arrays_helper(sc_block)
                ve_read, ve_write, ve_indices, ve_cond = self.arrays_helper(ve_block)
                for varname in set(ve_read):
                    var = self.variables[varname]
                    if var.scalar and varname not in ve_write:
                        sc_read.add(varname)
                        ve_read.remove(varname)
                for code, stmts, read, write, indices, cond, vector in [
                        (sc_code, sc_block, sc_read, sc_write, sc_indices, sc_cond, False),
                        (ve_code, ve_block, ve_read, ve_write, ve_indices, ve_cond, True)]:
                    loads, stores = {}, {}
                    if vector and any(_gate_path(s) for s in stmts):
                        loads, stores = _region_arrays(self, stmts, read, write, indices,
                                                       set(cond) | set(cond.values()))
                    moved = {n for names in loads.values() for n in names}
                    stored = {n for names in stores.values() for n in names}
                    self._region_loads = {
                        r: self.translate_to_read_arrays(names & read, write,
                                                         names & set(indices))
                        for r, names in loads.items()}
                    self._region_stores = {
                        r: self.translate_to_write_arrays(names)
                        for r, names in stores.items()}
                    lines = self.translate_to_read_arrays(read - moved, write,
                                                          set(indices) - moved)
                    lines += self.translate_to_declarations(read, write - moved, indices)
                    lines += self.translate_to_statements(stmts, cond)
                    lines += self.translate_to_write_arrays(write - stored)
                    self._region_loads = self._region_stores = None
                    code[block_name] = stripped_deindented_lines("\n".join(lines))
            return sc_code, ve_code, kwds

    class MgnetCythonCodeGenerator(CythonCodeGenerator):
        """Cython generator: gated blocks run inside ``if gate:``."""

        def arrays_helper(self, statements):
            return _arrays_helper(self, statements, super().arrays_helper)

        def _conditional_prefix(self, condvar):
            return f"if {condvar}:"

        def translate_to_statements(self, statements, conditional_write_vars):
            if not any(_gate_path(s) for s in statements):
                return super().translate_to_statements(statements, conditional_write_vars)
            for stmt in statements:
                if stmt.op == ":=" and stmt.var not in self.variables:
                    self.temporary_vars.add((stmt.var, stmt.dtype))
            return _gated_lines(
                self, statements, conditional_write_vars,
                open_gate=lambda g: f"if {g}:", close_gate=lambda: "",
                declare=lambda v, dt: f"{v} = 0", indent_unit="    ")

    return {"cpp_standalone": MgnetCPPCodeGenerator, "cython": MgnetCythonCodeGenerator}


_CODE_OBJECT_CLASSES: dict = {}


def _code_object_classes() -> dict:
    """CodeObject classes whose templaters find the project's templates
    (``models/templates/<target>/``) before Brian2's own, and whose C++ and Cython
    generators honour :func:`skip_unless` gates (numpy runs gated blocks
    unconditionally, the reference)."""
    if not _CODE_OBJECT_CLASSES:
        from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject
        from brian2.codegen.runtime.cython_rt import CythonCodeObject
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
        generators = _generator_classes()
        for key, base in (("cpp_standalone", CPPStandaloneCodeObject),
                          ("cython", CythonCodeObject), ("numpy", NumpyCodeObject)):
            attrs = {"templater": base.templater.derive(__package__ or "mgnet.models",
                                                        templates_dir=f"templates/{key}"),
                     "__doc__": f"{base.__name__} with the templates of "
                                f"models/templates/{key}"}
            plain = type(f"Mgnet{base.__name__}", (base,), attrs)
            _CODE_OBJECT_CLASSES[key, False] = plain
            _CODE_OBJECT_CLASSES[key, True] = plain
            if key in generators:
                _CODE_OBJECT_CLASSES[key, True] = type(
                    f"MgnetGated{base.__name__}", (plain,),
                    {"generator_class": generators[key],
                     "__doc__": plain.__doc__ + " and skip_unless gates"})
    return _CODE_OBJECT_CLASSES


def _device_target() -> str:
    """"cpp_standalone", "cython" or "numpy": where code created now will run."""
    from brian2 import get_device
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
    if isinstance(get_device(), CPPStandaloneDevice):
        return "cpp_standalone"
    target = prefs.codegen.target
    if not isinstance(target, str):
        target = getattr(target, "class_name", "numpy")
    if target == "auto":
        from brian2.devices.device import auto_target
        target = auto_target().class_name
    return "cython" if target == "cython" else "numpy"


def code_object_class(gated: bool | None = None):
    """The CodeObject class for objects that use the project's templates, for the
    device (and runtime code-generation target) active now; objects must be created
    after the device is selected, as for any Brian2 object.  ``gated`` (default
    :data:`OPTIMISATIONS` ``["skip_dead_work"]``): its generator honours
    :func:`skip_unless` gates (cpp_standalone and Cython)."""
    if gated is None:
        gated = OPTIMISATIONS["skip_dead_work"]
    return _code_object_classes()[_device_target(), bool(gated)]


def synapse_code_object_class():
    """The CodeObject class of the contacts' ``Synapses`` (all their pathways and
    ``run_regularly`` operations): :func:`code_object_class`, so that the
    :func:`skip_unless` gates of their code strings are honoured unless
    ``OPTIMISATIONS["skip_dead_work"]`` is off (Brian2's own generators and templates:
    every gated block runs)."""
    return code_object_class()


#: Synapses ahead in the spike's list whose per-contact arrays the prefetching
#: pathway template requests (models/templates/cpp_standalone/synapses_prefetch.cpp).
PREFETCH_DISTANCE = 8


def prefetch_pathway(pathway) -> bool:
    """Run a synaptic pathway with the template ``synapses_prefetch`` (cpp_standalone):
    Brian2's ``synapses`` template plus a software prefetch of the per-contact arrays of
    the contact :data:`PREFETCH_DISTANCE` places ahead in the list of contacts to update.
    For pathways whose contacts lie scattered in memory, e.g. the postsynaptic pathway of
    contacts sorted by presynaptic neuron: its memory latency is then overlapped.  The
    same arithmetic in the same order (same results).  Does nothing (returns False) in
    runtime mode or when ``OPTIMISATIONS["prefetch_post"]`` is off."""
    if not OPTIMISATIONS["prefetch_post"] or _device_target() != "cpp_standalone":
        return False
    if prefs.devices.cpp_standalone.openmp_threads > 1:
        return False
    pathway.codeobj_class = code_object_class()
    pathway.template = "synapses_prefetch"
    pathway.template_kwds = dict(pathway.template_kwds or {},
                                 prefetch_distance=int(PREFETCH_DISTANCE))
    return True


def vectorise_state_update(group) -> bool:
    """Run ``group``'s state update as a SIMD loop in cpp_standalone projects.

    The template ``stateupdate_simd`` is Brian2's ``stateupdate`` with ``#pragma omp
    simd`` on the neuron loop and a declaration of glibc's vector ``exp``: the same
    arithmetic, several neurons per instruction; results differ from the scalar loop
    only by the rounding of ``exp`` (a few ulp).  Does nothing (returns False) in runtime
    mode, when :data:`OPTIMISATIONS` ``["vectorised_neurons"]`` is off, or when the
    equations are stochastic (random numbers are drawn from one sequential stream).
    """
    if not OPTIMISATIONS["vectorised_neurons"] or _device_target() != "cpp_standalone":
        return False
    if group.equations.stochastic_variables:
        return False
    updater = group.state_updater
    updater.codeobj_class = code_object_class()
    updater.template = "stateupdate_simd"
    return True


# --------------------------------------------------------------------------------------
# Compile-once standalone projects
# --------------------------------------------------------------------------------------
def apply_assignments(pairs) -> None:
    """Runtime mode: set ``(key, value)`` pairs (VariableViews, and TimedArrays in place)."""
    from brian2 import TimedArray
    for key, value in pairs:
        if isinstance(key, TimedArray):
            key.values[:] = np.asarray(value, dtype=float)
        else:
            key[:] = value


@contextmanager
def project_lock(directory, exclusive: bool):
    """File lock on a standalone project directory (created if missing).

    Exclusive while a process writes and compiles the project, shared while processes
    run the compiled binary, so that a run never sees a half-built project.
    """
    import fcntl
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def rerun_results_directory(k: int) -> str:
    """Results directory (relative to the project) of the ``k``-th rerun of a compiled
    standalone project by this process: one per process and rerun, so that processes
    sharing a project never read each other's results."""
    return f"results_{os.getpid()}_{k}"


def remove_rerun_results(directory, ks) -> None:
    """Delete the results directories of this process's reruns ``ks`` of the project in
    ``directory`` (their data has been read)."""
    for k in ks:
        shutil.rmtree(os.path.join(directory, rerun_results_directory(k)),
                      ignore_errors=True)


#: Not copied by :func:`warm_start_project`: data and results of the sibling.
_WARM_IGNORE = ("static_arrays", "results*", ".lock", "*.lock")


def warm_start_project(directory) -> Path | None:
    """Seed an unbuilt project directory with the sources and objects of a sibling.

    Projects of one family are named ``<family>-<key>`` side by side (e.g. the cultures
    ``culture-<structure key>``); projects that differ only in the structure seed share
    all generated code except the few files with array sizes (``objects.cpp``,
    ``main.cpp``, the synapse-creation code objects).  Brian2's standalone writer leaves
    a file whose content is unchanged untouched, and ``make`` rebuilds only the objects
    whose sources are newer, so a copy of the most recently built sibling (modification
    times preserved) recompiles only those files (measured: 20 instead of 47 CPU-seconds
    for a 300-neuron culture); correctness rests on ``make``'s time stamps exactly as for
    an incremental rebuild of one project.

    Does nothing (returns None) if ``directory`` already holds a build, or no sibling
    with a linked ``main`` exists.  The sibling is copied under its shared lock (never
    while it is being compiled); call this under the exclusive lock of ``directory``.
    """
    d = Path(directory)
    if (d / "main").exists() or "-" not in d.name:
        return None
    family = d.name.rsplit("-", 1)[0]
    siblings = [p for p in d.parent.glob(f"{family}-*")
                if p != d and p.is_dir() and (p / "main").exists()]
    if not siblings:
        return None
    src = max(siblings, key=lambda p: (p / "main").stat().st_mtime)
    with project_lock(src, exclusive=False):
        if not (src / "main").exists():
            return None
        for item in src.iterdir():
            if any(item.match(pat) for pat in _WARM_IGNORE):
                continue
            dest = d / item.name
            if item.is_dir():
                shutil.copytree(item, dest, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(*_WARM_IGNORE))
            else:
                shutil.copy2(item, dest)
    return src


def build_standalone(directory, *, warm_start: bool = True) -> dict:
    """Compile the network defined on the active cpp_standalone device into ``directory``.

    Takes the exclusive :func:`project_lock`, warm-starts an unbuilt directory from a
    sibling (:func:`warm_start_project`) and calls ``device.build(run=False)``; an
    up-to-date project recompiles nothing.  Returns ``{"compile_s": wall seconds,
    "warm_start": sibling name or None}``.
    """
    import time
    from brian2 import get_device
    t0 = time.time()
    with project_lock(directory, exclusive=True):
        src = warm_start_project(directory) if warm_start else None
        get_device().build(run=False, directory=str(directory))
    return {"compile_s": time.time() - t0, "warm_start": src.name if src else None}


# --------------------------------------------------------------------------------------
# Sessions: the one place that selects the device, seeds Brian2 and sets the build flags
# --------------------------------------------------------------------------------------
def default_cache_dir() -> Path:
    """Where standalone projects are built (``$MGNET_CACHE``/standalone, default
    ``~/.cache/mgnet/standalone``)."""
    return Path(os.environ.get("MGNET_CACHE", Path.home() / ".cache" / "mgnet")) / "standalone"


def build_flags(threads: int = 1) -> dict:
    """Everything besides the network that the compiled binary of a standalone project
    depends on: the compile and link flags that :class:`StandaloneSession` sets (Brian2's
    own plus :data:`STANDALONE_COMPILE_ARGS` / :data:`STANDALONE_LINK_ARGS`), the OpenMP
    threads, the :data:`OPTIMISATIONS` switches (they change the generated code), the
    default clock's time step and Brian2's version.  Not ``make -j`` (same binary)."""
    from brian2 import defaultclock
    compile_args = list(prefs.codegen.cpp.extra_compile_args_gcc)
    link_args = list(prefs.codegen.cpp.extra_link_args)
    return {"compile_args": tuple(compile_args + [a for a in STANDALONE_COMPILE_ARGS
                                                  if a not in compile_args]),
            "link_args": tuple(link_args + [a for a in STANDALONE_LINK_ARGS
                                            if a not in link_args]),
            "openmp_threads": int(threads) if threads > 1 else 0,
            "optimisations": tuple(sorted(OPTIMISATIONS.items())),
            "dt_s": float(defaultclock.dt_),
            "brian2": str(brian2.__version__)}


def _digest(h, part) -> None:
    """Feed ``part`` to the hash ``h``: arrays by dtype, shape and bytes; sequences
    element by element; anything else by its ``repr``."""
    if isinstance(part, np.ndarray):
        a = np.ascontiguousarray(part)
        h.update(f"array{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    elif isinstance(part, (tuple, list)):
        h.update(f"{type(part).__name__}{len(part)}(".encode())
        for p in part:
            _digest(h, p)
        h.update(b")")
    else:
        h.update(repr(part).encode())
        h.update(b";")


def project_key(signature, flags: dict) -> str:
    """Cache key of a standalone project: a hash of the network's structural
    ``signature`` (arrays, nested tuples, anything with a deterministic ``repr``) and the
    build ``flags`` (:func:`build_flags`).  Two projects with the same key generate the
    same code and binary, so they share one directory."""
    import hashlib
    h = hashlib.sha1()
    _digest(h, (signature, tuple(sorted(flags.items()))))
    return h.hexdigest()[:16]


#: Name under which :class:`RuntimeSession` stores the network's initial state.
_RUNTIME_STORE = "mgnet_session_initial"


class _Session:
    """What both sessions share: the active device and seeding Brian2."""
    seed_value: int | None = None

    @property
    def brian_device(self):
        """The active Brian2 device (the cpp_standalone device while a standalone session
        is open)."""
        from brian2 import get_device
        return get_device()

    def seed(self) -> None:
        """Seed Brian2's generator with the session's seed (nothing if None)."""
        if self.seed_value is not None:
            brian2.seed(self.seed_value)


class StandaloneSession(_Session):
    """One compile-once ``cpp_standalone`` project: the only place (with its runtime
    twin :class:`RuntimeSession`, same interface) that selects Brian2's device, seeds
    Brian2's generator and sets the build flags.

    Use as a context manager (or call :meth:`close`)::

        with simulation_session(device, family="culture", signature=..., seed=s) as sess:
            net = build_the_network()          # objects created inside the session
            sess.prepare(net, simulate)        # standalone: record simulate(), compile
            for condition in conditions:
                sess.run(assignments, simulate)     # run_args; runtime: restore + set
                read_the_monitors()

    Entering selects ``cpp_standalone`` (``build_on_run=False``) for :attr:`directory`
    with the project's build flags (:data:`STANDALONE_COMPILE_ARGS`,
    :data:`STANDALONE_LINK_ARGS`, ``make -j`` :func:`build_jobs`, OpenMP ``threads``) and
    seeds Brian2 with ``seed``; closing deletes this process's results directories,
    restores the preferences, resets the device and selects runtime mode again.

    Parameters
    ----------
    family : str
        Project family (``<cache_dir>/<family>-<key>``; siblings of one family
        warm-start each other, :func:`warm_start_project`).
    signature : object
        Everything that enters the generated code or the network's structure (arrays,
        nested tuples, objects with a deterministic ``repr``); with :func:`build_flags`
        it makes the cache key :attr:`key` (:func:`project_key`).  Values that reach the
        project only through ``run_args`` must not be in it.
    seed : int, optional
        Seed of Brian2's generator (recorded at the start of the binary: every rerun
        starts from it).
    cache_dir : path, optional
        Parent of the project directory (default :func:`default_cache_dir`).
    directory : path, optional
        An explicit project directory instead of ``family``/``signature`` (benchmarks
        and tests: fresh temporary projects); :attr:`key` is then None.
    threads : int
        OpenMP threads of the simulation (1: no OpenMP).
    jobs : int, optional
        Parallel compile jobs (default :func:`build_jobs`).
    warm_start : bool
        Warm-start an unbuilt project from a sibling (:func:`build_standalone`).
    make_cmd, run_cmd : optional
        Brian2's ``make_cmd_unix`` / ``run_cmd_unix`` for this project (e.g. wrapped by a
        memory measurement); restored on close.
    """

    device = "cpp_standalone"

    def __init__(self, family: str | None = None, signature=None, *, seed: int | None = None,
                 cache_dir=None, directory=None, threads: int = 1, jobs: int | None = None,
                 warm_start: bool = True, make_cmd=None, run_cmd=None):
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.seed_value = None if seed is None else int(seed)
        self.threads, self.jobs, self.warm_start = int(threads), jobs, bool(warm_start)
        self.flags = build_flags(self.threads)
        if directory is not None:
            self.key = None
            self.directory = str(directory)
        else:
            if not family or "-" in family:
                raise ValueError(f"family must be a non-empty name without '-', got {family!r}")
            self.key = project_key(signature, self.flags)
            root = default_cache_dir() if cache_dir is None else Path(cache_dir)
            self.directory = str(Path(root) / f"{family}-{self.key}")
        self._commands = {}
        if make_cmd is not None:
            self._commands["devices.cpp_standalone.make_cmd_unix"] = make_cmd
        if run_cmd is not None:
            self._commands["devices.cpp_standalone.run_cmd_unix"] = run_cmd
        self.compile_info: dict | None = None
        self.n_runs = 0
        self._saved = None
        self._removed = 0

    # -- device -------------------------------------------------------------------------
    def __enter__(self):
        if self._saved is not None:
            raise RuntimeError("this standalone session is already open")
        names = _STANDALONE_PREFS + tuple(self._commands)
        self._saved = {name: prefs[name] for name in names}
        try:
            _apply_standalone_prefs(self.threads, self.jobs)
            for name, value in self._commands.items():
                prefs[name] = value
            set_device("cpp_standalone", directory=self.directory, build_on_run=False)
            self.seed()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Delete this process's results directories, restore the preferences, reset
        the device and select runtime mode (idempotent)."""
        if self._saved is None:
            return
        from brian2 import get_device
        saved, self._saved = self._saved, None
        try:
            self._remove_results(self.n_runs)
        finally:
            for name, value in saved.items():
                prefs[name] = value
            dev = get_device()
            dev.reinit()
            dev.activate()
            set_device("runtime")

    # -- build and runs -----------------------------------------------------------------
    def build(self) -> dict:
        """Compile the network defined so far (:func:`build_standalone`: exclusive
        :func:`project_lock`, warm start; an up-to-date project recompiles nothing)."""
        self.compile_info = build_standalone(self.directory, warm_start=self.warm_start)
        return self.compile_info

    def prepare(self, net, simulate, *, progress=None, at: float = 0.0) -> dict:
        """Record ``simulate()`` (the runs of ``net``, e.g. ``net.run(duration)``) on
        the device and compile the project; ``progress(message, at)`` is told.  Returns
        ``{"compile_s", "warm_start"}``."""
        simulate()
        if progress:
            progress("compiling (cached after the first time)", at)
        return self.build()

    def run(self, assignments=(), simulate=None) -> None:
        """Run the compiled binary once with ``run_args`` = ``assignments`` (a mapping
        or ``(variable view, value)`` pairs) under the shared :func:`project_lock`, into
        a results directory of its own (:func:`rerun_results_directory`).  The values
        read from the network afterwards are this run's, until the next run or
        :meth:`close` (which delete it).  ``simulate`` is ignored: the binary replays the
        runs recorded by :meth:`prepare`."""
        from brian2 import get_device
        args = dict(assignments.items() if hasattr(assignments, "items") else assignments)
        self._remove_results(self.n_runs)
        self.n_runs += 1
        with project_lock(self.directory, exclusive=False):
            get_device().run(run_args=args,
                             results_directory=rerun_results_directory(self.n_runs))

    def _remove_results(self, upto: int) -> None:
        if upto > self._removed:
            remove_rerun_results(self.directory, range(self._removed + 1, upto + 1))
            self._removed = upto


class RuntimeSession(_Session):
    """The runtime twin of :class:`StandaloneSession` (same interface): Brian2's
    runtime device (selected by :func:`configure`), the network stored once and every
    run started from that state with Brian2's generator seeded again, so that every
    condition sees the same random stream (paired conditions).

    ``family``, ``signature``, ``cache_dir`` and the build options are accepted and
    ignored (nothing is compiled); :attr:`directory` and :attr:`key` are None.
    """

    device = "runtime"
    directory = None
    key = None

    def __init__(self, family: str | None = None, signature=None, *, seed: int | None = None,
                 **_ignored):
        self.seed_value = None if seed is None else int(seed)
        self.compile_info: dict | None = None
        self.n_runs = 0
        self._net = None

    def __enter__(self):
        from brian2 import get_device
        from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
        if isinstance(get_device(), CPPStandaloneDevice):
            raise RuntimeError("a runtime session cannot be opened inside a standalone one")
        self.seed()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release (the device stays runtime)."""
        self._net = None

    def build(self) -> dict:
        """Nothing to compile."""
        self.compile_info = {"compile_s": 0.0, "warm_start": None}
        return self.compile_info

    def prepare(self, net, simulate=None, *, progress=None, at: float = 0.0) -> dict:
        """Store the initial state of ``net`` (``simulate`` runs at every :meth:`run`)."""
        self._net = net
        net.store(_RUNTIME_STORE)
        return self.build()

    def run(self, assignments=(), simulate=None) -> None:
        """Restore the stored state, seed Brian2 again, set ``assignments`` (a mapping or
        ``(variable view, value)`` pairs, as ``run_args``) and call ``simulate()``."""
        if self._net is None:
            raise RuntimeError("prepare() the network before run()")
        if simulate is None:
            raise ValueError("a runtime session needs simulate (the network's runs)")
        self._net.restore(_RUNTIME_STORE)
        self.seed()
        apply_assignments(assignments.items() if hasattr(assignments, "items")
                          else assignments)
        self.n_runs += 1
        simulate()


def simulation_session(device: str, family: str | None = None, signature=None, **kwargs):
    """A :class:`StandaloneSession` (``device="cpp_standalone"``) or its runtime twin
    :class:`RuntimeSession` (``"runtime"``) with the same arguments."""
    if device == "cpp_standalone":
        return StandaloneSession(family, signature, **kwargs)
    if device == "runtime":
        return RuntimeSession(family, signature, **kwargs)
    raise ValueError(f"unknown device '{device}'; allowed: cpp_standalone, runtime")
