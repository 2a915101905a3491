-- Seed 000, Data Product 2: working leads by channel, health and predicted tier.
select
    channel,
    health_status,
    predicted_sales_tier,
    count(*) as leads,
    round(avg(days_in_pipeline), 0) as avg_days_in_pipeline,
    round(avg(total_touch_count), 1) as avg_touches,
    round(avg(forecasted_monthly_revenue_amount), 2) as avg_monthly_rev,
    sum(case when is_decision_maker_connected then 1 else 0 end) as dm_connected
from {{ ref('ops_pipeline_health') }}
where record_type = 'Lead'
group by channel, health_status, predicted_sales_tier
order by channel asc, health_status asc, leads desc
