-- Seed 000, Data Product 2: the outreach queue by section, priority and dashboard status (pre-aggregated).
select
    outreach_section,
    outreach_priority,
    dashboard_status,
    sum(lead_count) as leads,
    round(sum(total_predicted_monthly_value_amount), 0) as total_predicted_value,
    sum(actionable_lead_count) as actionable,
    sum(high_value_urgent_lead_count) as high_value_urgent
from {{ ref('rpt_outreach_queue_summary') }}
group by outreach_section, outreach_priority, dashboard_status
order by outreach_section, min(outreach_priority_rank)
