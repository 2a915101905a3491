{# Regular expressions differ per warehouse; these two are the only forms the project uses. #}

{% macro regexp_replace(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace', 'gtm_warehouse')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro postgres__regexp_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro regexp_like(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'gtm_warehouse')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_like(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}
