{#- Fails (one row) when the newest non-future value of column_name is older than
    `interval` `datepart`s before now (dbt_date.now(), i.e. in var dbt_date:time_zone). -#}
{% test expect_row_values_to_have_recent_data(model, column_name, datepart, interval, row_condition=None) %}
    {{ return(adapter.dispatch('test_expect_row_values_to_have_recent_data', 'dbt_expectations')(
        model, column_name, datepart, interval, row_condition)) }}
{% endtest %}

{% macro default__test_expect_row_values_to_have_recent_data(model, column_name, datepart, interval, row_condition) %}
{%- set ts_type = dbt_expectations.type_timestamp() -%}
with max_recency as (
    select max(cast({{ column_name }} as {{ ts_type }})) as max_timestamp
    from {{ model }}
    where
        -- future-dated rows must not make stale data look fresh
        cast({{ column_name }} as {{ ts_type }}) <= {{ dbt_date.now() }}
        {%- if row_condition %}
        and ({{ row_condition }})
        {%- endif %}
)

select *
from max_recency
where
    -- no qualifying row at all counts as stale, hence the epoch fallback
    coalesce(max_timestamp, cast('1970-01-01' as {{ ts_type }}))
    < cast({{ dbt.dateadd(datepart, interval * -1, dbt_date.now()) | trim }} as {{ ts_type }})
{% endmacro %}
