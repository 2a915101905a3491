-- Seed 000, Data Product 2: working leads by channel, health and predicted tier (from the Pipeline Health
-- Monitor's table: averages are its exact totals over its record counts).
select
    channel,
    health_status,
    predicted_sales_tier,
    sum(record_count) as leads,
    round(sum(total_days_in_pipeline) * 1.0 / sum(record_count), 0) as avg_days_in_pipeline,
    round(sum(total_touch_count) * 1.0 / sum(record_count), 1) as avg_touches,
    round(sum(total_forecasted_monthly_revenue_amount) / sum(record_count), 2) as avg_monthly_rev,
    sum(decision_maker_connected_count) as dm_connected
from {{ ref('rpt_pipeline_health') }}
where record_type = 'Lead'
group by channel, health_status, predicted_sales_tier
order by channel asc, health_status asc, leads desc
