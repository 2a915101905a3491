{#- First column of the first row of `query`, or `default` when it returns no rows. -#}
{% macro get_single_value(query, default=none) -%}
    {{ return(adapter.dispatch('get_single_value', 'dbt_utils')(query, default)) }}
{%- endmacro %}

{% macro default__get_single_value(query, default) -%}
    {#- Nothing can be queried while dbt parses the project. -#}
    {%- if not execute -%}
        {{ return(default) }}
    {%- endif -%}
    {%- set values = run_query(query).columns[0].values() -%}
    {%- if values | length == 0 -%}
        {% do log("get_single_value: query returned no rows, using the default value: " ~ default, info=true) %}
        {{ return(default) }}
    {%- endif -%}
    {{ return(values[0]) }}
{%- endmacro %}
