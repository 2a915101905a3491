-- Seed 000, Leak #3: the Working-lead graveyard by health (the Lead rows of the Pipeline Health Monitor's table
-- are the Working leads; its exact totals give the averages).
select
    health_status as working_lead_health,
    sum(record_count) as lead_count,
    round(sum(record_count) * 100.0 / sum(sum(record_count)) over (), 2) as pct_of_working,
    sum(case when channel = 'Inbound' then record_count else 0 end) as inbound,
    sum(case when channel = 'Outbound' then record_count else 0 end) as outbound,
    round(sum(total_days_since_last_activity) * 1.0 / sum(record_count), 0) as avg_days_inactive,
    round(sum(total_touch_count) * 1.0 / sum(record_count), 1) as avg_touches
from {{ ref('rpt_pipeline_health') }}
where record_type = 'Lead'
group by health_status
order by lead_count desc
