-- Seed 000, Leak #3: every lead by status, with the channel split (pre-aggregated by status x channel).
select
    lead_status,
    sum(lead_count) as lead_count,
    round(sum(lead_count) * 100.0 / sum(sum(lead_count)) over (), 2) as pct_of_total,
    sum(case when channel = 'Inbound' then lead_count else 0 end) as inbound,
    sum(case when channel = 'Outbound' then lead_count else 0 end) as outbound
from {{ ref('rpt_lead_status_distribution') }}
group by lead_status
order by lead_count desc
