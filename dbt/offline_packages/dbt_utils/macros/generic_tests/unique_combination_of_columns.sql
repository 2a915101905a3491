{#- Fails with one row per combination of the columns that occurs more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns, quote_columns=false) %}
    {{ return(adapter.dispatch('test_unique_combination_of_columns', 'dbt_utils')(
        model, combination_of_columns, quote_columns)) }}
{% endtest %}

{% macro default__test_unique_combination_of_columns(model, combination_of_columns, quote_columns=false) %}
{%- set columns = [] -%}
{%- for col in combination_of_columns -%}
    {%- do columns.append(adapter.quote(col) if quote_columns else col) -%}
{%- endfor -%}
{%- set column_list = columns | join(', ') -%}
with validation_errors as (
    select {{ column_list }}
    from {{ model }}
    group by {{ column_list }}
    having count(*) > 1
)

select *
from validation_errors
{% endmacro %}
