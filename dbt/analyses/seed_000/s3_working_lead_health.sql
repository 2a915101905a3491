-- Seed 000, Leak #3: the Working-lead graveyard by health.
select
    working_lead_health,
    count(*) as lead_count,
    round(count(*) * 100.0 / sum(count(*)) over (), 2) as pct_of_working,
    sum(case when channel = 'Inbound' then 1 else 0 end) as inbound,
    sum(case when channel = 'Outbound' then 1 else 0 end) as outbound,
    round(avg(days_since_last_activity), 0) as avg_days_inactive,
    round(avg(total_touch_count), 1) as avg_touches
from {{ ref('ops_leads') }}
where lead_status = 'Working'
group by working_lead_health
order by lead_count desc
