-- Seed 000, Leak #1: closed-lost deals by reason, with the channel split.
select
    lost_reason,
    count(*) as lost_deals,
    round(count(*) * 100.0 / sum(count(*)) over (), 2) as pct_of_losses,
    sum(case when channel = 'Inbound' then 1 else 0 end) as inbound,
    sum(case when channel = 'Outbound' then 1 else 0 end) as outbound
from {{ ref('ops_opportunities') }}
where is_lost
group by lost_reason
order by lost_deals desc
