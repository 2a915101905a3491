-- Seed 000, Section 1: channel economics.
-- The section reads the whole mart, as seed 000 prints it.
select *  -- noqa: AM04
from {{ ref('rpt_cac_ltv_by_channel') }}
order by channel
