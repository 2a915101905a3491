{#- Fails with the values that are not in value_set. Nulls are never in the set, so they fail;
    exclude them with row_condition when they are allowed. -#}
{% test expect_column_values_to_be_in_set(model, column_name, value_set, quote_values=True, row_condition=None) %}
    {{ return(adapter.dispatch('test_expect_column_values_to_be_in_set', 'dbt_expectations')(
        model, column_name, value_set, quote_values, row_condition)) }}
{% endtest %}

{% macro default__test_expect_column_values_to_be_in_set(model, column_name, value_set, quote_values, row_condition) %}
{%- if not value_set -%}
    {{ exceptions.raise_compiler_error("expect_column_values_to_be_in_set needs a non-empty value_set") }}
{%- endif -%}
with all_values as (
    select {{ column_name }} as value_field
    from {{ model }}
    {%- if row_condition %}
    where {{ row_condition }}
    {%- endif %}
),

set_values as (
    {%- for value in value_set %}
    select
        {%- if quote_values %}
        cast('{{ value }}' as {{ dbt.type_string() }}) as value_field
        {%- else %}
        {{ value }} as value_field
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

validation_errors as (
    -- an anti-join rather than "not in", so null values count as failures
    select v.value_field
    from all_values as v
    left join set_values as s on v.value_field = s.value_field
    where s.value_field is null
)

select *
from validation_errors
{% endmacro %}
