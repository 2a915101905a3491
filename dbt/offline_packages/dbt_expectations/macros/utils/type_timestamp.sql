{#- Timestamp type the recency checks compare in (naive, so dbt_date.now() is comparable). -#}
{% macro type_timestamp() -%}
    {{ return(adapter.dispatch('type_timestamp', 'dbt_expectations')()) }}
{%- endmacro %}

{% macro default__type_timestamp() -%}
    {{ return(dbt.type_timestamp()) }}
{%- endmacro %}
