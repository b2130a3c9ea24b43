{# USES_VARIABLES { N } #}
{#
  One Poisson count per group and time step, scattered onto uniformly random neurons
  (models/background.py: PooledPoissonInput).  Code blocks:
    count  defines _count = poisson(N * rate * dt), evaluated once (at neuron 0: the
           rate is the same for every neuron of the group)
    pick   defines _u = rand(), once per event
    event  the statement of one event, executed for neuron _idx = floor(_u * N)
  Given the total count K ~ Poisson(N lambda), the per-neuron counts of K uniformly
  scattered events are multinomial, which makes them independent Poisson(lambda): the
  same process as one poisson(lambda) per neuron.
#}
{% extends 'common_group.cpp' %}

{% block maincode %}
    //// MAIN CODE ////////////
    // scalar code
    const size_t _vectorisation_idx = -1;
    {{scalar_code['count']|autoindent}}
    {{scalar_code['pick']|autoindent}}
    {{scalar_code['event']|autoindent}}

    const int _N = {{constant_or_scalar('N', variables['N'])}};
    int64_t _n_events = 0;
    {
        const size_t _idx = 0;
        const size_t _vectorisation_idx = 0;
        {{vector_code['count']|autoindent}}
        _n_events = _count;
    }
    for(int64_t _k=0; _k<_n_events; _k++)
    {
        const size_t _vectorisation_idx = _k;
        {{vector_code['pick']|autoindent}}
        size_t _idx = (size_t)(_u * _N);
        if (_idx >= (size_t)_N)    // _u < 1, but guard against rounding
            _idx = _N - 1;
        {{vector_code['event']|autoindent}}
    }
{% endblock %}
