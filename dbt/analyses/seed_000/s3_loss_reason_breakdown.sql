-- Seed 000, Leak #1: closed-lost deals by reason, with the channel split (read from the loss-reason mart).
select
    lost_reason,
    lost_count as lost_deals,
    round(lost_count * 100.0 / sum(lost_count) over (), 2) as pct_of_losses,
    inbound_lost_count as inbound,
    outbound_lost_count as outbound
from {{ ref('rpt_loss_reasons') }}
order by lost_deals desc
