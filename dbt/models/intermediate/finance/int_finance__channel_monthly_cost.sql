{#- One row per calendar month and acquisition channel (Inbound, Outbound), from the first month with any
    booked cost to the as-of month: what it cost to acquire customers through the channel. Inbound = all
    advertising spend (every ad channel) + the pay of the team working Inbound; Outbound = the pay of the team
    working Outbound (stg_spend__team_monthly.channel). Teams tied to no channel (Customer Success serves
    existing customers, Sales Leadership is overhead over both) are not acquisition cost. Finance books team
    pay after the month closes, so a month is cost complete only when both its ad spend and the pay of every
    acquisition channel's team are booked. -#}
{#- A view: one row per channel and month (a few dozen rows), read by three marts and a test. -#}
with

ad_spend as (

    select * from {{ ref('stg_spend__ad_daily') }}

),

team_pay as (

    select * from {{ ref('stg_spend__team_monthly') }}

),

acquisition_channels as (

    {{ values_as_rows('channel', acquisition_channels()) }}

),

ad_spend_months as (

    select
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as month_start_date,
        spend_amount
    from ad_spend

),

ad_spend_monthly as (

    select
        month_start_date,
        sum(spend_amount) as ad_spend_amount
    from ad_spend_months
    group by month_start_date

),

team_pay_monthly as (

    select
        month_start_date,
        channel,
        sum(total_pay_amount) as team_pay_amount
    from team_pay
    where channel in {{ in_list(acquisition_channels()) }}
    group by month_start_date, channel

),

months_with_all_team_pay as (

    select month_start_date
    from team_pay_monthly
    group by month_start_date
    having count(*) = {{ acquisition_channels() | length }}

),

cost_months as (

    select month_start_date from ad_spend_monthly
    union all
    select month_start_date from team_pay_monthly

),

months as (

    {{ months_through_as_of('select min(cost_months.month_start_date) from cost_months') }}

),

month_channels as (

    select
        months.month_start_date,
        acquisition_channels.channel
    from months
    cross join acquisition_channels

),

final as (

    select
        month_channels.month_start_date,
        month_channels.channel,
        cast(
            case when month_channels.channel = 'Inbound' then coalesce(ad_spend_monthly.ad_spend_amount, 0) else 0 end
            as {{ type_money() }}
        ) as ad_spend_amount,
        cast(coalesce(team_pay_monthly.team_pay_amount, 0) as {{ type_money() }}) as team_pay_amount,
        cast(
            case when month_channels.channel = 'Inbound' then coalesce(ad_spend_monthly.ad_spend_amount, 0) else 0 end
            + coalesce(team_pay_monthly.team_pay_amount, 0)
            as {{ type_money() }}
        ) as total_cost_amount,
        ad_spend_monthly.month_start_date is not null
        and months_with_all_team_pay.month_start_date is not null as is_cost_complete
    from month_channels
    left join ad_spend_monthly
        on month_channels.month_start_date = ad_spend_monthly.month_start_date
    left join team_pay_monthly
        on month_channels.month_start_date = team_pay_monthly.month_start_date
            and month_channels.channel = team_pay_monthly.channel
    left join months_with_all_team_pay
        on month_channels.month_start_date = months_with_all_team_pay.month_start_date

)

select * from final
