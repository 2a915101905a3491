{#- Fails with the rows whose value does not match `regex`. -#}
{% test expect_column_values_to_match_regex(model, column_name, regex, row_condition=None, is_raw=False, flags="") %}
    {{ return(adapter.dispatch('test_expect_column_values_to_match_regex', 'dbt_expectations')(
        model, column_name, regex, row_condition, is_raw, flags)) }}
{% endtest %}

{% macro default__test_expect_column_values_to_match_regex(model, column_name, regex, row_condition, is_raw, flags) %}
{%- set expression = dbt_expectations.regexp_instr(column_name, regex, is_raw=is_raw, flags=flags) ~ " > 0" -%}
{{ dbt_expectations.expression_is_true(model, expression=expression, row_condition=row_condition) }}
{% endmacro %}
