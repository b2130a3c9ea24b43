{#
  Brian2's synapses.cpp (one thread) with a software prefetch: before updating a
  contact, request the cache lines of the per-contact arrays that the statements read or
  write, for the contact `prefetch_distance` places ahead in the list of contacts to
  update (models/backend/code_objects.py: prefetch_pathway).  For pathways whose
  contacts lie scattered in memory (the postsynaptic pathway of contacts sorted by
  presynaptic neuron), so that the memory latency of several contacts overlaps.  A
  prefetch has no effect on the results.  With OpenMP threads, Brian2's own template is
  used instead.
#}
{% extends 'common_synapses.cpp' %}

{% block maincode %}

    // This is only needed for the _debugmsg function below
    {# USES_VARIABLES { _synaptic_pre } #}

    // scalar code
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}

    {# the generated statements as one string (a list of lines here) #}
    {% set _vector_text = vector_code if vector_code is string else vector_code | join('\n') %}
    {{ openmp_pragma('parallel') }}
    {
    std::vector<int> *_spiking_synapses = {{pathway.name}}.peek();
    const int _num_spiking_synapses = _spiking_synapses->size();
    {{ openmp_pragma('master') }}
    {
        for(int _spiking_synapse_idx=0;
            _spiking_synapse_idx<_num_spiking_synapses;
            _spiking_synapse_idx++)
        {
            if (_spiking_synapse_idx + {{prefetch_distance}} < _num_spiking_synapses)
            {
                const size_t _pf_idx = (*_spiking_synapses)[_spiking_synapse_idx + {{prefetch_distance}}];
                {% for varname, var in variables | dictsort %}
                {% if variable_indices[varname] == '_idx' and var.__class__.__name__ in ('ArrayVariable', 'DynamicArrayVariable') and not var.scalar %}
                {% set _ptr = get_array_name(var) %}
                {% if (_ptr ~ '[_idx]') in _vector_text %}
                __builtin_prefetch(&{{_ptr}}[_pf_idx], 1, 3);
                {% endif %}
                {% endif %}
                {% endfor %}
            }
            const size_t _idx = (*_spiking_synapses)[_spiking_synapse_idx];
            const size_t _vectorisation_idx = _idx;
            {{vector_code|autoindent}}
        }
    }
    }
{% endblock %}


{% block extra_functions_cpp %}
void _debugmsg_{{codeobj_name}}()
{
    using namespace brian;
    std::cout << "Number of synapses: " << {{_dynamic__synaptic_pre}}.size() << endl;
}
{% endblock %}

{% block extra_functions_h %}
void _debugmsg_{{codeobj_name}}();
{% endblock %}

{% macro main_finalise() -%}
#ifdef DEBUG
_debugmsg_{{codeobj_name}}();
#endif
{% endmacro %}
