-- Seed 000, Leak #3: every lead by status, with the channel split.
select
    lead_status,
    count(*) as lead_count,
    round(count(*) * 100.0 / sum(count(*)) over (), 2) as pct_of_total,
    sum(case when channel = 'Inbound' then 1 else 0 end) as inbound,
    sum(case when channel = 'Outbound' then 1 else 0 end) as outbound
from {{ ref('ops_leads') }}
group by lead_status
order by lead_count desc
