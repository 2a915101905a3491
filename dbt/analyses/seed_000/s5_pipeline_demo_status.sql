-- Seed 000, Data Product 1: open opportunities by channel and demo status (the demo no-show leak).
select
    channel,
    demo_status,
    sum(record_count) as records,
    round(sum(total_forecasted_annual_revenue_amount), 0) as at_risk_annual_revenue,
    round(sum(total_potential_annual_revenue_amount), 0) as potential_annual_revenue,
    round(sum(record_count * avg_days_in_pipeline) / nullif(sum(record_count), 0), 0) as wtd_avg_days_in_pipeline
from {{ ref('rpt_pipeline_health') }}
where record_type = 'Opportunity'
group by channel, demo_status
order by records desc
