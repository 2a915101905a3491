-- Seed 000, Data Product 2: how late inbound leads got their first touch (contacted, open leads), from the
-- speed-to-lead mart (one row per channel x section x delay bucket, its median computed on the leads).
select
    response_delay_bucket,
    lead_count as leads,
    round(100.0 * lead_count / sum(lead_count) over (), 1) as pct_of_contacted,
    median_response_delay_minutes as median_response_minutes
from {{ ref('rpt_outreach_response_times') }}
where channel = 'Inbound'
    and outreach_section = 'Contacted'
order by min_response_delay_minutes
