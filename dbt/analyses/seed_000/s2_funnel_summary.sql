-- Seed 000, Section 2: funnel performance per channel.
-- The section reads the whole mart, as seed 000 prints it.
select *  -- noqa: AM04
from {{ ref('rpt_funnel_summary') }}
order by channel
