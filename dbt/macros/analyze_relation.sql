{#
    Fresh statistics right after a table is built: without them the planner estimates a handful of rows
    for the deduplicated base tables and picks nested loops that run for minutes.
#}
{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation', 'gtm_warehouse')(relation)) }}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
    select 1
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    analyze {{ relation }}
{%- endmacro %}
