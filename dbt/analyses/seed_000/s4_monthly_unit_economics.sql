-- Seed 000, Section 4: monthly unit economics pivoted by channel (one row per month).
select
    month_start_date as expense_month,
    sum(case when channel = 'Inbound' then leads_count end) as inbound_leads,
    sum(case when channel = 'Outbound' then leads_count end) as outbound_leads,
    sum(case when channel = 'Inbound' then opportunities_count end) as inbound_opps,
    sum(case when channel = 'Outbound' then opportunities_count end) as outbound_opps,
    sum(case when channel = 'Inbound' then wins_count end) as inbound_wins,
    sum(case when channel = 'Outbound' then wins_count end) as outbound_wins,
    max(case when channel = 'Inbound' then cost_per_lead_amount end) as inbound_cost_per_lead,
    max(case when channel = 'Outbound' then cost_per_lead_amount end) as outbound_cost_per_lead,
    max(case when channel = 'Inbound' then cost_per_opportunity_amount end) as inbound_cost_per_opp,
    max(case when channel = 'Outbound' then cost_per_opportunity_amount end) as outbound_cost_per_opp,
    max(case when channel = 'Inbound' then cac_amount end) as inbound_cac,
    max(case when channel = 'Outbound' then cac_amount end) as outbound_cac,
    max(blended_cac_amount) as blended_cac
from {{ ref('rpt_monthly_unit_economics') }}
group by month_start_date
order by month_start_date
