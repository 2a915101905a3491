-- Seed 000, Data Product 2: how late inbound leads got their first touch (contacted, open leads).
select
    response_delay_bucket,
    count(*) as leads,
    round(100.0 * count(*) / sum(count(*)) over (), 1) as pct_of_contacted,
    {{ percentile_cont('response_delay_minutes', 0.5) }} as median_response_minutes
from {{ ref('rpt_lead_outreach_priority') }}
where channel = 'Inbound'
    and outreach_section = 'Contacted'
group by response_delay_bucket
order by min(response_delay_minutes)
