{#- Fails with the rows for which `expression` (or `<column_name> <expression>`) is false.
    Rows where it evaluates to null pass. -#}
{% test expression_is_true(model, expression, column_name=None) %}
    {{ return(adapter.dispatch('test_expression_is_true', 'dbt_utils')(model, expression, column_name)) }}
{% endtest %}

{% macro default__test_expression_is_true(model, expression, column_name) %}
{#- Whole rows are only worth reading when failures get stored; counting needs none of them. -#}
{%- set columns = '*' if should_store_failures() else '1 as failing_row' -%}
select {{ columns }}
from {{ model }}
{%- if column_name is none %}
where not ({{ expression }})
{%- else %}
where not ({{ column_name }} {{ expression }})
{%- endif %}
{% endmacro %}
