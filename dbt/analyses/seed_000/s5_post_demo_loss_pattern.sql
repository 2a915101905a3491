-- Seed 000, Data Product 1: the historical post-demo loss pattern (deals that saw a demo and went quiet).
select
    lost_reason,
    count(*) as lost_deals,
    round(avg(days_to_close), 0) as avg_days_to_close,
    round(sum(forecasted_annual_revenue_amount), 0) as total_lost_annual_value
from {{ ref('ops_opportunities') }}
where is_lost
    and lost_reason in ('No Decision / Non-Responsive', 'Lack of Urgency')
group by lost_reason
order by lost_deals desc
