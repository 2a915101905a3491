{#- Fails when the share of non-null values (per group when group_by_columns is set) lies outside
    [at_least, at_most]. -#}
{% test not_null_proportion(model, column_name, at_least, at_most=1.0, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_not_null_proportion', 'dbt_utils')(
        model, column_name, at_least, at_most, group_by_columns)) }}
{% endtest %}

{% macro default__test_not_null_proportion(model, column_name, at_least, at_most=1.0, group_by_columns=[]) %}
{%- set group_list = group_by_columns | join(', ') -%}
with validation as (
    select
        {%- if group_by_columns %}
        {{ group_list }},
        {%- endif %}
        sum(case when {{ column_name }} is null then 0 else 1 end)
        / cast(count(*) as {{ dbt.type_numeric() }}) as not_null_proportion
    from {{ model }}
    {%- if group_by_columns %}
    group by {{ group_list }}
    {%- endif %}
),

validation_errors as (
    select *
    from validation
    where not_null_proportion < {{ at_least }} or not_null_proportion > {{ at_most }}
)

select *
from validation_errors
{% endmacro %}
