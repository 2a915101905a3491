{#- Continuous percentile of an expression within a group (p between 0 and 1). -#}
{% macro percentile_cont(expression, p) -%}
    {{ return(adapter.dispatch('percentile_cont', 'gtm_warehouse')(expression, p)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro bigquery__percentile_cont(expression, p) -%}
    approx_quantiles({{ expression }}, 100)[offset({{ (p * 100) | int }})]
{%- endmacro %}
