-- Seed 000, Data Product 2: the outreach queue by section, priority and dashboard status.
select
    outreach_section,
    outreach_priority,
    dashboard_status,
    count(*) as leads,
    round(sum(predicted_monthly_value_amount), 0) as total_predicted_value,
    sum(case when is_actionable then 1 else 0 end) as actionable,
    sum(case when is_high_value_urgent then 1 else 0 end) as high_value_urgent
from {{ ref('rpt_lead_outreach_priority') }}
group by outreach_section, outreach_priority, dashboard_status
order by outreach_section, min(outreach_priority_rank)
