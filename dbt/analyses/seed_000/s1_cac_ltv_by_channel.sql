-- Seed 000, Section 1: channel economics.
select *
from {{ ref('rpt_cac_ltv_by_channel') }}
order by channel
