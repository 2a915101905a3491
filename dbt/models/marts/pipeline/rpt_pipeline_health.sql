{#- The Pipeline Health dashboard's table (seed 000, Data Product 1): ops_pipeline_health aggregated to one row
    per channel x record type x account segment x demo status x health status x risk level x predicted sales
    tier. Sums are exact, so any roll-up's average is total / record_count; the per-group averages are
    rounded. -#}
with

pipeline as (

    select * from {{ ref('ops_pipeline_health') }}

)

select
    channel,
    record_type,
    account_segment,
    demo_status,
    health_status,
    risk_level,
    predicted_sales_tier,
    count(*) as record_count,
    cast(sum(forecasted_monthly_revenue_amount) as {{ type_money() }}) as total_forecasted_monthly_revenue_amount,
    cast(sum(forecasted_annual_revenue_amount) as {{ type_money() }}) as total_forecasted_annual_revenue_amount,
    cast(sum(potential_annual_revenue_amount) as {{ type_money() }}) as total_potential_annual_revenue_amount,
    cast(sum(days_in_pipeline) as {{ dbt.type_bigint() }}) as total_days_in_pipeline,
    cast(sum(days_in_current_stage) as {{ dbt.type_bigint() }}) as total_days_in_current_stage,
    cast(sum(days_since_last_activity) as {{ dbt.type_bigint() }}) as total_days_since_last_activity,
    cast(sum(total_touch_count) as {{ dbt.type_bigint() }}) as total_touch_count,
    cast(avg(cast(days_in_pipeline as {{ dbt.type_numeric() }})) as numeric(12, 2)) as avg_days_in_pipeline,
    cast(avg(cast(days_in_current_stage as {{ dbt.type_numeric() }})) as numeric(12, 2)) as avg_days_in_current_stage,
    cast(avg(cast(days_since_last_activity as {{ dbt.type_numeric() }})) as numeric(12, 2))
        as avg_days_since_last_activity,
    cast(avg(cast(total_touch_count as {{ dbt.type_numeric() }})) as numeric(12, 2)) as avg_touch_count,
    sum(case when is_decision_maker_connected then 1 else 0 end) as decision_maker_connected_count,
    cast(avg(case when is_decision_maker_connected then 1.0 else 0.0 end) as numeric(6, 4))
        as decision_maker_connected_share
from pipeline
group by channel, record_type, account_segment, demo_status, health_status, risk_level, predicted_sales_tier
