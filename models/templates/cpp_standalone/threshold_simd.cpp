{# USES_VARIABLES { N } #}
{#
  Brian2's threshold.cpp in blocks of 64 neurons (models/backend/code_objects.py:
  vectorise_state_update): a SIMD pass evaluates the condition for the whole block, and
  only a block in which it holds somewhere is walked again in order, as Brian2's loop
  walks every neuron: the same events in the same order, and the same writes.  Events
  are rare (a neuron spikes in a few of its 10^4 steps per second), so most blocks cost
  one vector pass.  Only used for conditions without random numbers (the condition is
  evaluated twice in a block with an event).  Compiled with -fopenmp-simd.
#}
{% extends 'common_group.cpp' %}
{% block maincode %}
    //// MAIN CODE ////////////
    // scalar code
    const int _vectorisation_idx = -1;
    {{scalar_code|autoindent}}

    {% set _eventspace = get_array_name(eventspace_variable) %}

    long _count = 0;
    const int _N = N;
    for(int _start=0; _start<_N; _start+=64)
    {
        const int _stop = _start + 64 < _N ? _start + 64 : _N;
        int _any = 0;
        #pragma omp simd reduction(|:_any)
        for(int _idx=_start; _idx<_stop; _idx++)
        {
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
            _any |= (_cond ? 1 : 0);
        }
        if(!_any)
            continue;
        for(int _idx=_start; _idx<_stop; _idx++)
        {
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
            if(_cond) {
                {{_eventspace}}[_count++] = _idx;
                {% if _uses_refractory %}
                {{not_refractory}}[_idx] = false;
                {{lastspike}}[_idx] = {{t}};
                {% endif %}
            }
        }
    }
    {{_eventspace}}[N] = _count;
{% endblock %}

{% block after_code %}
{% set _eventspace = get_array_name(eventspace_variable) %}
{{_eventspace}}[N] = 0;  // Note that this is not an off-by-1-error: the array has N+1 elements
{% endblock %}
