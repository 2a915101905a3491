{#- Why sales deals are lost (seed 000, Section 3): one row per closed-lost reason over the closed-lost New
    Business opportunities, with its loss category, share of losses, channel split, speed of the loss and the
    annual value lost. Lost renewals and expansions are churn of existing customers, not sales losses: they are
    in rpt_renewal_losses. -#}
with

opportunities as (

    select * from {{ ref('ops_opportunities') }}

),

losses as (

    select
        coalesce(lost_reason, 'Unspecified') as lost_reason,
        loss_category,
        count(*) as lost_count,
        sum(case when channel = 'Inbound' then 1 else 0 end) as inbound_lost_count,
        sum(case when channel = 'Outbound' then 1 else 0 end) as outbound_lost_count,
        sum(case when channel not in ('Inbound', 'Outbound') then 1 else 0 end) as other_channel_lost_count,
        cast(avg(cast(days_to_close as {{ dbt.type_numeric() }})) as numeric(12, 2)) as avg_days_to_close,
        cast(sum(acv_amount) as {{ type_money() }}) as lost_annual_value_amount
    from opportunities
    where is_lost and opportunity_type = 'New Business'
    group by coalesce(lost_reason, 'Unspecified'), loss_category

)

select
    lost_reason,
    loss_category,
    lost_count,
    cast(cast(lost_count as {{ dbt.type_numeric() }}) / sum(lost_count) over () as numeric(10, 4)) as share_of_losses,
    cast(
        cast(sum(lost_count) over (partition by loss_category) as {{ dbt.type_numeric() }})
        / sum(lost_count) over () as numeric(10, 4)
    ) as loss_category_share_of_losses,
    inbound_lost_count,
    outbound_lost_count,
    other_channel_lost_count,
    avg_days_to_close,
    lost_annual_value_amount,
    rank() over (order by lost_count desc) as loss_rank
from losses
