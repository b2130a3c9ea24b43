"""Functions of the model code with target-specific implementations
(``OPTIMISATIONS["shared_exp"]``).  Part of :mod:`mgnet.models.backend`.

:func:`exp_shared` is ``exp`` for arguments that consecutive executions of one code
object tend to repeat.  A presynaptic spike reaches all contacts of its neuron one after
the other in the release pathway, and the short-term-plasticity decays
``exp(-(t - t_last)/tau)`` of those contacts have the same argument (they all saw the
neuron's previous spike at the same time).  The C++ implementation keeps the last two
distinct arguments with their values; an argument whose bits equal a kept one gets the
kept value, any other is passed to ``exp``.  The result is ``exp(x)`` bit for bit, only
the calls are fewer.  The Cython and numpy implementations are ``exp`` itself.
"""
from __future__ import annotations

from .optimisations import OPTIMISATIONS

__all__ = ["exp_shared", "EXP_SHARED_CPP"]

#: C++ of :func:`exp_shared` (support code of each code object that uses it: each has its
#: own two kept arguments).  Arguments are compared by their bits, so the function is
#: ``exp`` bit for bit whatever the floating-point flags (-ffinite-math-only included):
#: NaN, -0.0 and +0.0 are arguments like any other.
EXP_SHARED_CPP = """
static inline double _mgnet_exp_shared(const double x)
{
    // exp(x), remembering the last two distinct arguments: bit-identical to exp(x)
    static uint64_t _b[2] = {0, 0};
    static double _y[2] = {0.0, 0.0};
    static bool _kept[2] = {false, false};
    static int _next = 0;
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    if (_kept[0] && b == _b[0]) return _y[0];
    if (_kept[1] && b == _b[1]) return _y[1];
    const double y = exp(x);
    _b[_next] = b; _y[_next] = y; _kept[_next] = true;
    _next = 1 - _next;
    return y;
}
"""

#: Cython of :func:`exp_shared`: ``exp`` (runtime mode is unchanged).
_EXP_SHARED_CYTHON = """
cdef double _mgnet_exp_shared(double x):
    return exp(x)
"""

_FUNCTIONS: dict = {}


def _make(shared: bool):
    import numpy as np
    from brian2 import Function
    f = Function(np.exp, arg_units=[1], return_unit=1, arg_types=["float"],
                 return_type="float", stateless=True, auto_vectorise=False)
    if shared:
        f.implementations.add_implementation(
            "cpp", code=EXP_SHARED_CPP, name="_mgnet_exp_shared",
            compiler_kwds={"headers": ["<cstring>", "<cstdint>"]})
    else:
        f.implementations.add_implementation("cpp", code="", name="exp")
    f.implementations.add_implementation("cython", code=_EXP_SHARED_CYTHON,
                                         name="_mgnet_exp_shared")
    return f


def exp_shared():
    """The Brian2 ``Function`` ``exp_shared`` for a namespace: ``exp`` of a
    dimensionless argument, with the C++ implementation that remembers the last two
    arguments when :data:`OPTIMISATIONS` ``["shared_exp"]`` is on (read now, when the
    namespace is made), else Brian2's C++ ``exp`` (the reference)."""
    shared = bool(OPTIMISATIONS["shared_exp"])
    if shared not in _FUNCTIONS:
        _FUNCTIONS[shared] = _make(shared)
    return _FUNCTIONS[shared]
