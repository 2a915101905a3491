{#- One row per calendar month and acquisition channel (Inbound, Outbound), from the first month with any
    booked cost to the as-of month: what it cost to acquire customers through the channel. Inbound = all
    advertising spend (every ad channel) + the Inbound Sales team's pay; Outbound = the Outbound Sales team's
    pay. Customer Success (serves existing customers) and Sales Leadership (overhead over both channels) are
    not acquisition cost. Finance books team pay after the month closes, so a month is cost complete only
    when both its ad spend and the pay of both acquisition teams are booked. -#}
with

ad_spend as (

    select * from {{ ref('stg_spend__ad_daily') }}

),

team_pay as (

    select * from {{ ref('stg_spend__team_monthly') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

acquisition_teams as (

    select
        'Inbound Sales' as team,
        'Inbound' as channel
    union all
    select
        'Outbound Sales' as team,
        'Outbound' as channel

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
        team_pay.month_start_date,
        acquisition_teams.channel,
        sum(team_pay.total_pay_amount) as team_pay_amount
    from team_pay
    inner join acquisition_teams
        on team_pay.team = acquisition_teams.team
    group by team_pay.month_start_date, acquisition_teams.channel

),

months_with_all_team_pay as (

    select month_start_date
    from team_pay_monthly
    group by month_start_date
    having count(*) = (select count(*) from acquisition_teams)

),

cost_months as (

    select month_start_date from ad_spend_monthly
    union all
    select month_start_date from team_pay_monthly

),

months as (

    select distinct dates.month_start_date
    from dates
    where dates.month_start_date >= (select min(cost_months.month_start_date) from cost_months)
        and dates.month_start_date <= {{ as_of_date() }}

),

month_channels as (

    select
        months.month_start_date,
        acquisition_teams.channel
    from months
    cross join acquisition_teams

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
