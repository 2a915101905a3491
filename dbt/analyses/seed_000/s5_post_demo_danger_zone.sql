-- Seed 000, Data Product 1: demo-held open opportunities by health (the 21-day danger zone today).
select
    health_status,
    account_segment,
    risk_level,
    count(*) as records,
    round(avg(days_in_pipeline), 0) as avg_days,
    round(avg(days_in_current_stage), 0) as avg_days_in_stage,
    round(sum(forecasted_annual_revenue_amount), 0) as annual_rev,
    round(sum(potential_annual_revenue_amount), 0) as potential_rev
from {{ ref('ops_pipeline_health') }}
where record_type = 'Opportunity'
    and is_demo_held
group by health_status, account_segment, risk_level
order by health_status, account_segment
