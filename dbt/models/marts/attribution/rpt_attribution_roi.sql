{#- Return on each channel's spend under every attribution model, over the cost-complete months (every month
    whose ad spend and acquisition-team pay are booked, int_finance__channel_monthly_cost): the pipeline and
    won revenue attributed to the channel from opportunities created in those months, against what the
    channel cost in the same months. A channel's cost is its ad spend (stg_spend__ad_daily.channel) plus the
    pay of the acquisition team of the same name (Outbound: the Outbound Sales team's outreach). Inbound Sales
    pay works leads after they arrive, so no touch channel carries it. -#}
with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

ad_spend as (

    select * from {{ ref('stg_spend__ad_daily') }}

),

channel_monthly_cost as (

    select * from {{ ref('int_finance__channel_monthly_cost') }}

),

roi_months as (

    select distinct month_start_date
    from channel_monthly_cost
    where is_cost_complete

),

monthly_spend as (

    select
        ad_spend.channel,
        sum(ad_spend.spend_amount) as spend_amount
    from ad_spend
    inner join roi_months
        on cast({{ dbt.date_trunc('month', 'ad_spend.spend_date') }} as date) = roi_months.month_start_date
    group by ad_spend.channel

    union all

    select
        channel_monthly_cost.channel,
        sum(channel_monthly_cost.team_pay_amount) as spend_amount
    from channel_monthly_cost
    inner join roi_months
        on channel_monthly_cost.month_start_date = roi_months.month_start_date
    group by channel_monthly_cost.channel

),

channel_spend as (

    select
        channel,
        sum(spend_amount) as spend_amount
    from monthly_spend
    group by channel

),

attributed as (

    select
        credits.attribution_model,
        credits.channel,
        {{ attribution_measures() }}
    from credits
    inner join roi_months
        on credits.opportunity_created_month = roi_months.month_start_date
    group by credits.attribution_model, credits.channel

),

final as (

    select
        attributed.attribution_model,
        attributed.channel,
        (select min(roi_months.month_start_date) from roi_months) as first_month_start_date,
        (select max(roi_months.month_start_date) from roi_months) as last_month_start_date,
        attributed.credited_opportunity_count,
        attributed.attributed_opportunity_count,
        attributed.attributed_pipeline_amount,
        attributed.attributed_won_amount,
        cast(channel_spend.spend_amount as {{ type_money() }}) as spend_amount,
        {{ safe_ratio('attributed.attributed_pipeline_amount - channel_spend.spend_amount',
                      'channel_spend.spend_amount') }} as pipeline_roi,
        {{ safe_ratio('attributed.attributed_won_amount - channel_spend.spend_amount',
                      'channel_spend.spend_amount') }} as won_revenue_roi,
        cast(channel_spend.spend_amount / nullif(attributed.attributed_opportunity_count, 0) as {{ type_money() }})
            as cost_per_attributed_opportunity
    from attributed
    left join channel_spend
        on attributed.channel = channel_spend.channel

)

select * from final
