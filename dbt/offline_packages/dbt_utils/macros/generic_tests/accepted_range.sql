{#- Fails with the rows whose value lies outside [min_value, max_value] (or the open interval when
    inclusive=false). Nulls are not checked; `where` restricts the rows tested. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, where=none) %}
    {{ return(adapter.dispatch('test_accepted_range', 'dbt_utils')(
        model, column_name, min_value, max_value, inclusive, where)) }}
{% endtest %}

{% macro default__test_accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, where=none) %}
{%- set or_equal = '=' if inclusive else '' -%}
with meet_condition as (
    select *
    from {{ model }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
),

validation_errors as (
    select *
    from meet_condition
    -- start from false so each configured bound can be or-ed in
    where 1 = 2
    {%- if min_value is not none %}
        or not {{ column_name }} >{{ or_equal }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
        or not {{ column_name }} <{{ or_equal }} {{ max_value }}
    {%- endif %}
)

select *
from validation_errors
{% endmacro %}
