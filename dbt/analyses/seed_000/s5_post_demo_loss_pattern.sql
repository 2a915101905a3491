-- Seed 000, Data Product 1: the historical post-demo loss pattern (deals that saw a demo and went quiet),
-- read from the loss-reason mart.
select
    lost_reason,
    lost_count as lost_deals,
    round(avg_days_to_close, 0) as avg_days_to_close,
    round(lost_annual_value_amount, 0) as total_lost_annual_value
from {{ ref('rpt_loss_reasons') }}
where lost_reason in ('No Decision / Non-Responsive', 'Lack of Urgency')
order by lost_deals desc
