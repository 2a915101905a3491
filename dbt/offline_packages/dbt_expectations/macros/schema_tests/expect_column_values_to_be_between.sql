{#- Fails with the rows whose value lies outside the bounds; nulls pass. -#}
{% test expect_column_values_to_be_between(model, column_name, min_value=None, max_value=None, row_condition=None, strictly=False) %}
    {{ return(adapter.dispatch('test_expect_column_values_to_be_between', 'dbt_expectations')(
        model, column_name, min_value, max_value, row_condition, strictly)) }}
{% endtest %}

{% macro default__test_expect_column_values_to_be_between(model, column_name, min_value, max_value, row_condition, strictly) %}
{{ dbt_expectations.expression_between(
    model,
    expression=column_name,
    min_value=min_value,
    max_value=max_value,
    row_condition=row_condition,
    strictly=strictly) }}
{% endmacro %}
