-- Seed 000, Section 2: funnel performance per channel.
select *
from {{ ref('rpt_funnel_summary') }}
order by channel
