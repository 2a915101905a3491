{#- One row per period_grain ('month', or 'quarter' = fiscal quarter) x expected-close period x channel x team:
    the staged opportunities open at the end of the as-of date whose close date falls in the period (count,
    ACV, probability-weighted ACV), and for fiscal quarters the team's quota (seed sales_quotas), ACV won to
    date in the quarter, remaining quota and pipeline coverage (team's open pipeline closing in the quarter /
    remaining quota) against var pipeline_coverage_target. Current and future quarters with a quota appear
    even without open pipeline. -#}
with

open_opportunities as (

    select * from {{ ref('int_pipeline__open_opportunities') }}

),

opportunity_daily as (

    select * from {{ ref('fct_opportunity_daily') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

users as (

    select * from {{ ref('dim_user') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

sales_quotas as (

    select * from {{ ref('sales_quotas') }}

),

-- Won by the as-of date, on the day it closed, with its team (macro sales_team, owner on the closing day).
won_opportunities as (

    select
        opportunity_daily.date_day,
        coalesce(opportunity_daily.acv_amount, 0) as acv_amount,
        {{ sales_team("coalesce(opportunities.channel, 'Unknown')", 'users.team') }} as team
    from opportunity_daily
    inner join opportunities
        on opportunity_daily.opportunity_id = opportunities.opportunity_id
    left join users
        on opportunity_daily.owner_user_id = users.user_id
    where
        opportunity_daily.is_closed
        and opportunity_daily.is_won
        and opportunity_daily.date_day <= {{ as_of_date() }}

),

-- The month and fiscal quarter of every day.
day_periods as (

    select
        date_day,
        'month' as period_grain,
        month_start_date as period_start_date,
        month_end_date as period_end_date,
        fiscal_year_number,
        fiscal_quarter_number
    from calendar

    union all

    select
        date_day,
        'quarter' as period_grain,
        fiscal_quarter_start_date as period_start_date,
        fiscal_quarter_end_date as period_end_date,
        fiscal_year_number,
        fiscal_quarter_number
    from calendar

),

periods as (

    select distinct
        period_grain,
        period_start_date,
        period_end_date,
        fiscal_year_number,
        fiscal_quarter_number
    from day_periods

),

-- Open pipeline by the period its close date falls in.
open_pipeline as (

    select
        day_periods.period_grain,
        day_periods.period_start_date,
        open_opportunities.channel,
        open_opportunities.team,
        count(*) as open_opportunity_count,
        sum(open_opportunities.acv_amount) as open_pipeline_amount,
        sum(open_opportunities.weighted_acv_amount) as weighted_pipeline_amount
    from open_opportunities
    inner join day_periods
        on open_opportunities.close_date = day_periods.date_day
    group by 1, 2, 3, 4

),

team_open_pipeline as (

    select
        period_grain,
        period_start_date,
        team,
        sum(open_pipeline_amount) as team_open_pipeline_amount
    from open_pipeline
    group by 1, 2, 3

),

-- ACV closed won by the team in the period (by the day it closed), up to the as-of date.
team_won as (

    select
        day_periods.period_grain,
        day_periods.period_start_date,
        won_opportunities.team,
        sum(won_opportunities.acv_amount) as won_to_date_amount
    from won_opportunities
    inner join day_periods
        on won_opportunities.date_day = day_periods.date_day
    group by 1, 2, 3

),

team_quotas as (

    select
        periods.period_grain,
        periods.period_start_date,
        sales_quotas.team,
        sales_quotas.quota_amount
    from sales_quotas
    inner join periods
        on sales_quotas.fiscal_year = periods.fiscal_year_number
            and sales_quotas.fiscal_quarter = periods.fiscal_quarter_number
            and periods.period_grain = 'quarter'

),

-- A team with a quota in a quarter not yet over but no open pipeline closing in it still gets a row, on the
-- team's own channel.
row_keys as (

    select
        period_grain,
        period_start_date,
        channel,
        team
    from open_pipeline

    union all

    select
        team_quotas.period_grain,
        team_quotas.period_start_date,
        {{ team_channel('team_quotas.team') }} as channel,
        team_quotas.team
    from team_quotas
    inner join periods
        on team_quotas.period_grain = periods.period_grain
            and team_quotas.period_start_date = periods.period_start_date
    left join team_open_pipeline
        on team_quotas.period_grain = team_open_pipeline.period_grain
            and team_quotas.period_start_date = team_open_pipeline.period_start_date
            and team_quotas.team = team_open_pipeline.team
    where
        periods.period_end_date >= {{ as_of_date() }}
        and team_open_pipeline.team is null

),

joined as (

    select
        row_keys.period_grain,
        row_keys.period_start_date,
        periods.period_end_date,
        case when row_keys.period_grain = 'quarter' then periods.fiscal_year_number end as fiscal_year,
        case when row_keys.period_grain = 'quarter' then periods.fiscal_quarter_number end as fiscal_quarter,
        periods.period_end_date < {{ as_of_date() }} as is_past_period,
        row_keys.channel,
        row_keys.team,
        coalesce(open_pipeline.open_opportunity_count, 0) as open_opportunity_count,
        coalesce(open_pipeline.open_pipeline_amount, 0) as open_pipeline_amount,
        coalesce(open_pipeline.weighted_pipeline_amount, 0) as weighted_pipeline_amount,
        coalesce(team_open_pipeline.team_open_pipeline_amount, 0) as team_open_pipeline_amount,
        coalesce(team_won.won_to_date_amount, 0) as won_to_date_amount,
        team_quotas.quota_amount
    from row_keys
    inner join periods
        on row_keys.period_grain = periods.period_grain
            and row_keys.period_start_date = periods.period_start_date
    left join open_pipeline
        on row_keys.period_grain = open_pipeline.period_grain
            and row_keys.period_start_date = open_pipeline.period_start_date
            and row_keys.channel = open_pipeline.channel
            and row_keys.team = open_pipeline.team
    left join team_open_pipeline
        on row_keys.period_grain = team_open_pipeline.period_grain
            and row_keys.period_start_date = team_open_pipeline.period_start_date
            and row_keys.team = team_open_pipeline.team
    left join team_won
        on row_keys.period_grain = team_won.period_grain
            and row_keys.period_start_date = team_won.period_start_date
            and row_keys.team = team_won.team
    left join team_quotas
        on row_keys.period_grain = team_quotas.period_grain
            and row_keys.period_start_date = team_quotas.period_start_date
            and row_keys.team = team_quotas.team

),

with_remaining as (

    select
        *,
        case
            when quota_amount is null then null
            when quota_amount > won_to_date_amount then quota_amount - won_to_date_amount
            else 0
        end as remaining_quota_amount
    from joined

),

with_coverage as (

    select
        *,
        case
            when not is_past_period
                then cast(team_open_pipeline_amount as {{ dbt.type_numeric() }}) / nullif(remaining_quota_amount, 0)
        end as coverage_ratio
    from with_remaining

),

final as (

    select
        period_grain,
        period_start_date,
        period_end_date,
        fiscal_year,
        fiscal_quarter,
        is_past_period,
        channel,
        team,
        cast(open_opportunity_count as {{ dbt.type_bigint() }}) as open_opportunity_count,
        cast(open_pipeline_amount as {{ type_money() }}) as open_pipeline_amount,
        cast(weighted_pipeline_amount as {{ type_money() }}) as weighted_pipeline_amount,
        cast(team_open_pipeline_amount as {{ type_money() }}) as team_open_pipeline_amount,
        cast(won_to_date_amount as {{ type_money() }}) as won_to_date_amount,
        cast(quota_amount as {{ type_money() }}) as quota_amount,
        cast(remaining_quota_amount as {{ type_money() }}) as remaining_quota_amount,
        cast(coverage_ratio as decimal(12, 4)) as coverage_ratio,
        case
            when is_past_period or remaining_quota_amount is null then null
            when remaining_quota_amount = 0 then false
            else coverage_ratio < {{ var('pipeline_coverage_target') }}
        end as is_below_coverage_target
    from with_coverage

)

select * from final
