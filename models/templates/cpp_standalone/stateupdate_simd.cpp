{# USES_VARIABLES { N } #}
{# ALLOWS_SCALAR_WRITE #}
{#
  Brian2's stateupdate.cpp with the neuron loop marked for SIMD execution
  (models/backend/code_objects.py: vectorise_state_update).  Only used for state
  updaters without random numbers, whose iterations read and write the element _idx of
  each array only.
  Compiled with -fopenmp-simd (models/backend/flags.py: STANDALONE_COMPILE_ARGS).
#}
{% extends 'common_group.cpp' %}

{% block extra_headers %}
{#
  glibc's <math.h> declares the vector variants of exp (libmvec, glibc >= 2.22 on
  x86_64) only under __FAST_MATH__, which Brian2's -fno-finite-math-only leaves
  undefined, so the compiler would call the scalar exp once per lane and not vectorise.
  The vector exp needs no errno (-ffast-math implies -fno-math-errno) and handles NaN,
  infinities and overflow like the scalar one (libmvec falls back to it for special
  inputs); it differs from the scalar exp by at most a few ulp.
#}
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 22)) && !defined(__FAST_MATH__)
#pragma omp declare simd notinbranch
extern "C" double exp(double) noexcept;
#endif
{% endblock %}

{% block maincode %}
    //// MAIN CODE ////////////
    // scalar code
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}

    const int _N = {{constant_or_scalar('N', variables['N'])}};
    {% if openmp_pragma('with_openmp') %}
    #pragma omp parallel for simd schedule(static)
    {% else %}
    #pragma omp simd
    {% endif %}
    for(int _idx=0; _idx<_N; _idx++)
    {
        // vector code
        const size_t _vectorisation_idx = _idx;
        {{vector_code|autoindent}}
    }
{% endblock %}
