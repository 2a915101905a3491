{#- Revenue lost from existing customers through the sales process: one row per opportunity type (Renewal,
    Expansion) and closed-lost reason over the closed-lost opportunities of those types, with the share of that
    type's losses and the annual contract value lost. The New Business side is rpt_loss_reasons; together they
    cover every closed-lost opportunity (tested). -#}
with

opportunities as (

    select * from {{ ref('ops_opportunities') }}

),

losses as (

    select
        opportunity_type,
        coalesce(lost_reason, 'Unspecified') as lost_reason,
        count(*) as lost_count,
        cast(avg(cast(days_to_close as {{ dbt.type_numeric() }})) as numeric(12, 2)) as avg_days_to_close,
        cast(sum(acv_amount) as {{ type_money() }}) as lost_annual_value_amount
    from opportunities
    where is_lost and opportunity_type <> 'New Business'
    group by opportunity_type, coalesce(lost_reason, 'Unspecified')

)

select
    opportunity_type,
    lost_reason,
    lost_count,
    cast(
        cast(lost_count as {{ dbt.type_numeric() }}) / sum(lost_count) over (partition by opportunity_type)
        as numeric(10, 4)
    ) as share_of_type_losses,
    avg_days_to_close,
    lost_annual_value_amount
from losses
