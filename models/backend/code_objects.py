"""CodeObject classes with the project's templates (``models/templates/<target>/``) and the
gated generators of :mod:`.generators`, and the objects that use them: the contacts'
``Synapses`` (:func:`synapse_code_object_class`), the prefetching postsynaptic pathway
(:func:`prefetch_pathway`), the SIMD neuron update (:func:`vectorise_state_update`) and
the time loop of a standalone project (:func:`network_source`).
Part of :mod:`mgnet.models.backend`."""
from __future__ import annotations

import re
from contextlib import contextmanager

from brian2 import prefs

from .generators import _generator_classes
from .optimisations import OPTIMISATIONS

__all__ = ["code_object_class", "synapse_code_object_class", "prefetch_pathway",
           "PREFETCH_DISTANCE", "vectorise_state_update", "network_source"]

#: The package whose ``templates/<target>/`` folders hold the project's templates
#: (``mgnet.models``: models/templates/).
_TEMPLATES_PACKAGE = (__package__ or "mgnet.models.backend").rpartition(".")[0]

_CODE_OBJECT_CLASSES: dict = {}


def _code_object_classes() -> dict:
    """CodeObject classes whose templaters find the project's templates
    (``models/templates/<target>/``) before Brian2's own, and whose C++ and Cython
    generators honour :func:`skip_unless` gates (numpy runs gated blocks
    unconditionally, the reference)."""
    if not _CODE_OBJECT_CLASSES:
        from brian2.codegen.runtime.cython_rt import CythonCodeObject
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
        from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject
        generators = _generator_classes()
        for key, base in (("cpp_standalone", CPPStandaloneCodeObject),
                          ("cython", CythonCodeObject), ("numpy", NumpyCodeObject)):
            templater = base.templater.derive(_TEMPLATES_PACKAGE,
                                              templates_dir=f"templates/{key}")
            _sort_by_case(templater)
            attrs = {"templater": templater,
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


def _sort_by_case(templater) -> None:
    """Make the ``sort`` filter of ``templater``'s templates case-sensitive.

    Jinja's ``sort`` ignores case by default, and Brian2's ``synapses_create_*``
    templates sort the names of a set of arrays with it: ``_array_x_u`` and
    ``_array_x_U`` compare equal and keep the set's order, which changes from process
    to process (hashes of objects), so the same network generated two different files
    and a project built again by another process recompiled them.  Case-sensitive,
    the order is the same in every process (the statements it orders are independent
    resizes: results are unchanged)."""
    from jinja2.filters import do_sort

    def sort(environment, value, reverse=False, case_sensitive=True, attribute=None):
        return do_sort(environment, value, reverse=reverse, case_sensitive=case_sensitive,
                       attribute=attribute)
    sort.jinja_pass_arg = do_sort.jinja_pass_arg
    templater.env.filters["sort"] = sort


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
    only by the rounding of ``exp`` (a few ulp).  The thresholds are tested in SIMD
    blocks too (template ``threshold_simd``; exact: the same events in the same order),
    unless the condition draws random numbers.  Does nothing (returns False) in runtime
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
    _vectorise_thresholds(group)
    return True


#: Random functions of Brian2's abstract code: a condition that calls one must be
#: evaluated exactly once per neuron and step.
_RANDOM_CALLS = re.compile(r"\b(rand|randn|poisson|binomial\w*)\s*\(")


def _vectorise_thresholds(group) -> None:
    """Evaluate the event conditions of ``group`` (its threshold) in SIMD blocks
    (template ``threshold_simd``: the same events in the same order); conditions that
    draw random numbers keep Brian2's loop."""
    for event, thresholder in getattr(group, "thresholder", {}).items():
        if _RANDOM_CALLS.search(str(group.events[event])):
            continue
        thresholder.codeobj_class = code_object_class()
        thresholder.template = "threshold_simd"


@contextmanager
def network_source(device):
    """Generate a standalone project's ``network.cpp`` (the time loop) from the project's
    template while the block runs (``device.build`` inside it).

    The template ``models/templates/cpp_standalone/network.cpp`` is Brian2's, except
    that the loop reads the process CPU clock once per run instead of once per time
    step (a system call; 5-9 % of a small network's run).  The code objects run in the
    same order: results are bit-identical.  Does nothing when
    :data:`OPTIMISATIONS` ``["lean_network_loop"]`` is off (Brian2's loop, the
    reference).  Brian2 renders ``network.cpp`` with the device's own code-object class,
    whose templater does not see the project's templates, so the device's
    ``generate_network_source`` is replaced on this instance only, and restored."""
    if not OPTIMISATIONS["lean_network_loop"]:
        yield
        return
    templater = _code_object_classes()["cpp_standalone", False].templater

    def generate_network_source(writer, compiler):
        maximum_run_time = device._maximum_run_time
        if maximum_run_time is not None:
            maximum_run_time = float(maximum_run_time)
        writer.write("network.*", templater.network(None, None,
                                                    maximum_run_time=maximum_run_time))

    had = "generate_network_source" in vars(device)
    saved = vars(device).get("generate_network_source")
    device.generate_network_source = generate_network_source
    try:
        yield
    finally:
        if had:
            device.generate_network_source = saved
        else:
            del device.generate_network_source
