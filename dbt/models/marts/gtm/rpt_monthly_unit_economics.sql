{#- One row per calendar month and acquisition channel (Inbound, Outbound), every month from the first one
    with leads, New Business opportunities, wins or booked cost to the as-of month (both channels on every
    month). Volumes: leads created, New Business opportunities created, New Business opportunities won (by
    close month) and their ACV. Cost from int_finance__channel_monthly_cost; the unit costs (per lead, per
    opportunity, per win = CAC, and the blended CAC of both channels) are only given for cost-complete
    months, so a month whose team pay is not booked yet never shows a flattering CAC. A channel-month with
    fewer wins than var unit_economics_min_wins is_low_sample: its CAC is shown but is the cost of one or two
    deals, not a unit cost, and rpt_channel_efficiency keeps it out of baselines and alerts. -#}
with

leads as (

    select * from {{ ref('int_crm__leads_enriched') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

channel_costs as (

    select * from {{ ref('int_finance__channel_monthly_cost') }}

),

acquisition_channels as (

    {{ values_as_rows('channel', acquisition_channels()) }}

),

lead_months as (

    select
        channel,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start_date
    from leads
    where channel in {{ in_list(acquisition_channels()) }}

),

leads_monthly as (

    select
        month_start_date,
        channel,
        count(*) as leads_count
    from lead_months
    group by month_start_date, channel

),

new_business as (

    select
        channel,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as created_month_start_date,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as close_month_start_date,
        is_won,
        acv_amount
    from opportunities
    where opportunity_type = 'New Business'
        and channel in {{ in_list(acquisition_channels()) }}

),

opportunities_monthly as (

    select
        created_month_start_date as month_start_date,
        channel,
        count(*) as opportunities_count
    from new_business
    group by created_month_start_date, channel

),

wins_monthly as (

    select
        close_month_start_date as month_start_date,
        channel,
        count(*) as wins_count,
        sum(acv_amount) as won_acv_amount
    from new_business
    where is_won
    group by close_month_start_date, channel

),

activity_months as (

    select month_start_date from leads_monthly
    union all
    select month_start_date from opportunities_monthly
    union all
    select month_start_date from wins_monthly
    union all
    select month_start_date from channel_costs

),

months as (

    {{ months_through_as_of('select min(activity_months.month_start_date) from activity_months') }}

),

month_channels as (

    select
        months.month_start_date,
        acquisition_channels.channel
    from months
    cross join acquisition_channels

),

joined as (

    select
        month_channels.month_start_date,
        month_channels.channel,
        coalesce(leads_monthly.leads_count, 0) as leads_count,
        coalesce(opportunities_monthly.opportunities_count, 0) as opportunities_count,
        coalesce(wins_monthly.wins_count, 0) as wins_count,
        coalesce(wins_monthly.won_acv_amount, 0) as won_acv_amount,
        coalesce(channel_costs.ad_spend_amount, 0) as ad_spend_amount,
        coalesce(channel_costs.team_pay_amount, 0) as team_pay_amount,
        coalesce(channel_costs.total_cost_amount, 0) as total_cost_amount,
        coalesce(channel_costs.is_cost_complete, false) as is_cost_complete
    from month_channels
    left join leads_monthly
        on month_channels.month_start_date = leads_monthly.month_start_date
            and month_channels.channel = leads_monthly.channel
    left join opportunities_monthly
        on month_channels.month_start_date = opportunities_monthly.month_start_date
            and month_channels.channel = opportunities_monthly.channel
    left join wins_monthly
        on month_channels.month_start_date = wins_monthly.month_start_date
            and month_channels.channel = wins_monthly.channel
    left join channel_costs
        on month_channels.month_start_date = channel_costs.month_start_date
            and month_channels.channel = channel_costs.channel

),

month_totals as (

    select
        month_start_date,
        sum(total_cost_amount) as month_total_cost_amount,
        sum(wins_count) as month_wins_count
    from joined
    group by month_start_date

),

final as (

    select
        joined.month_start_date,
        joined.channel,
        joined.leads_count,
        joined.opportunities_count,
        joined.wins_count,
        cast(joined.won_acv_amount as {{ type_money() }}) as won_acv_amount,
        cast(joined.ad_spend_amount as {{ type_money() }}) as ad_spend_amount,
        cast(joined.team_pay_amount as {{ type_money() }}) as team_pay_amount,
        cast(joined.total_cost_amount as {{ type_money() }}) as total_cost_amount,
        {{ safe_ratio('joined.opportunities_count', 'joined.leads_count', 6) }} as lead_to_opportunity_rate,
        {{ safe_ratio('joined.wins_count', 'joined.leads_count', 6) }} as lead_to_win_rate,
        cast(case when joined.is_cost_complete
                then joined.total_cost_amount / nullif(joined.leads_count, 0)
        end as {{ type_money() }})
            as cost_per_lead_amount,
        cast(case when joined.is_cost_complete
                then joined.total_cost_amount / nullif(joined.opportunities_count, 0)
        end as {{ type_money() }})
            as cost_per_opportunity_amount,
        cast(case when joined.is_cost_complete
                then joined.total_cost_amount / nullif(joined.wins_count, 0)
        end as {{ type_money() }})
            as cac_amount,
        cast(case when joined.is_cost_complete
                then month_totals.month_total_cost_amount / nullif(month_totals.month_wins_count, 0)
        end
        as {{ type_money() }}) as blended_cac_amount,
        joined.is_cost_complete,
        joined.wins_count < {{ var('unit_economics_min_wins') }} as is_low_sample,
        month_totals.month_wins_count < {{ var('unit_economics_min_wins') }} as is_blended_low_sample
    from joined
    inner join month_totals
        on joined.month_start_date = month_totals.month_start_date

)

select * from final
