{# USES_VARIABLES { N } #}
{# Cython twin of cpp_standalone/pooled_poisson.cpp (see there and models/background.py) #}
{% extends 'common_group.pyx' %}

{% block maincode %}
    cdef size_t _N = {{constant_or_scalar('N', variables['N'])}}
    cdef long _n_events
    cdef long _k
    _vectorisation_idx = 1
    {{scalar_code['count']|autoindent}}
    {{scalar_code['pick']|autoindent}}
    {{scalar_code['event']|autoindent}}

    _idx = 0
    _vectorisation_idx = 0
    {{vector_code['count']|autoindent}}
    _n_events = _count
    for _k in range(_n_events):
        _vectorisation_idx = _k
        {{vector_code['pick']|autoindent}}
        _idx = <size_t>(_u * _N)
        if _idx >= _N:    # _u < 1, but guard against rounding
            _idx = _N - 1
        {{vector_code['event']|autoindent}}
{% endblock %}
