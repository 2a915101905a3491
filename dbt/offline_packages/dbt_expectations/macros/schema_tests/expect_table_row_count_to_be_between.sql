{#- Fails when the row count (per group when group_by is set) lies outside the bounds. -#}
{% test expect_table_row_count_to_be_between(model, min_value=None, max_value=None, group_by=None, row_condition=None, strictly=False) %}
    {{ return(adapter.dispatch('test_expect_table_row_count_to_be_between', 'dbt_expectations')(
        model, min_value, max_value, group_by, row_condition, strictly)) }}
{% endtest %}

{% macro default__test_expect_table_row_count_to_be_between(model, min_value, max_value, group_by, row_condition, strictly) %}
{{ dbt_expectations.expression_between(
    model,
    expression='count(*)',
    min_value=min_value,
    max_value=max_value,
    group_by_columns=group_by,
    row_condition=row_condition,
    strictly=strictly) }}
{% endmacro %}
