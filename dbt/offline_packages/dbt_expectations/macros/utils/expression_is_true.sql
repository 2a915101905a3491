{#- Shared engine of the expectations: evaluates `expression` per row (or per group when
    group_by_columns is set, for aggregates) and returns the rows/groups where it is not true.
    A null result passes. -#}
{% macro expression_is_true(model, expression, test_condition="= true", group_by_columns=None, row_condition=None) -%}
    {{ return(adapter.dispatch('expression_is_true', 'dbt_expectations')(
        model, expression, test_condition, group_by_columns, row_condition)) }}
{%- endmacro %}

{% macro default__expression_is_true(model, expression, test_condition, group_by_columns, row_condition) -%}
with grouped_expression as (
    select
        {%- for col in group_by_columns or [] %}
        {{ col }} as col_{{ loop.index }},
        {%- endfor %}
        ({{ expression | trim }}) as expression
    from {{ model }}
    {%- if row_condition %}
    where {{ row_condition }}
    {%- endif %}
    {%- if group_by_columns %}
    group by {{ group_by_columns | join(', ') }}
    {%- endif %}
),

validation_errors as (
    select *
    from grouped_expression
    where not (expression {{ test_condition }})
)

select *
from validation_errors
{%- endmacro %}


{#- `expression` must lie within [min_value, max_value], or the open bounds when strictly=true. -#}
{% macro expression_between(model, expression, min_value=None, max_value=None, group_by_columns=None, row_condition=None, strictly=False) -%}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("You have to provide either a min_value, max_value or both.") }}
    {%- endif -%}
    {%- set or_equal = '' if strictly else '=' -%}
    {%- set checks = [] -%}
    {%- if min_value is not none -%}
        {%- do checks.append((expression | trim) ~ ' >' ~ or_equal ~ ' ' ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do checks.append((expression | trim) ~ ' <' ~ or_equal ~ ' ' ~ max_value) -%}
    {%- endif -%}
    {{ return(dbt_expectations.expression_is_true(
        model,
        expression=checks | join(' and '),
        group_by_columns=group_by_columns,
        row_condition=row_condition)) }}
{%- endmacro %}
