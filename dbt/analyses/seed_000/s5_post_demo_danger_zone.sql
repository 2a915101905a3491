-- Seed 000, Data Product 1: demo-held open opportunities by health (the 21-day danger zone today), from the
-- Pipeline Health Monitor's table (averages are its exact totals over its record counts).
select
    health_status,
    account_segment,
    risk_level,
    sum(record_count) as records,
    round(sum(total_days_in_pipeline) * 1.0 / sum(record_count), 0) as avg_days,
    round(sum(total_days_in_current_stage) * 1.0 / sum(record_count), 0) as avg_days_in_stage,
    round(sum(total_forecasted_annual_revenue_amount), 0) as annual_rev,
    round(sum(total_potential_annual_revenue_amount), 0) as potential_rev
from {{ ref('rpt_pipeline_health') }}
where record_type = 'Opportunity'
    and demo_status = 'Demo Held'
group by health_status, account_segment, risk_level
order by health_status, account_segment
