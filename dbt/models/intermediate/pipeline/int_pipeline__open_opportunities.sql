{#- One row per staged opportunity open at the end of the as-of date (its int_crm__opportunity_daily state that day):
    type, channel, the team accountable for it, account segment, owner, stage, close date with the close
    date's fiscal year / quarter / quarter start, ACV, stage probability and probability-weighted ACV, days in
    pipeline and days in the current stage to the as-of date. The one definition of "the open pipeline" that
    int_pipeline__forecast_draws, rpt_pipeline_stage_age and rpt_pipeline_by_close_period read. -#}
{#- A view: a few hundred rows, read by the forecast draws and two marts. -#}
with

opportunity_daily as (

    select * from {{ ref('int_crm__opportunity_daily') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

calendar as (

    select * from {{ ref('int_calendar__days') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

-- The last stage entry recorded by the as-of date.
last_stage_entries as (

    select
        opportunity_id,
        cast(max(entered_at) as date) as stage_entered_date
    from stage_history
    where cast(entered_at as date) <= {{ as_of_date() }}
    group by 1

),

open_opportunities as (

    select
        opportunity_daily.opportunity_id,
        opportunities.opportunity_type,
        opportunity_daily.owner_user_id,
        users.team as owner_team,
        opportunity_daily.stage_name,
        opportunity_daily.close_date,
        calendar.fiscal_year_number,
        calendar.fiscal_quarter_number,
        calendar.fiscal_quarter_start_date,
        opportunity_daily.probability,
        last_stage_entries.stage_entered_date,
        cast(opportunities.created_at as date) as created_date,
        coalesce(opportunities.channel, 'Unknown') as channel,
        coalesce(opportunities.account_segment, 'Unknown') as account_segment,
        coalesce(opportunity_daily.acv_amount, 0) as acv_amount,
        coalesce(opportunity_daily.acv_amount, 0) * coalesce(opportunity_daily.probability, 0) / 100.0
            as weighted_acv_amount
    from opportunity_daily
    inner join opportunities
        on opportunity_daily.opportunity_id = opportunities.opportunity_id
    left join users
        on opportunity_daily.owner_user_id = users.user_id
    left join calendar
        on opportunity_daily.close_date = calendar.date_day
    left join last_stage_entries
        on opportunity_daily.opportunity_id = last_stage_entries.opportunity_id
    where
        opportunity_daily.date_day = {{ as_of_date() }}
        and not opportunity_daily.is_closed

),

final as (

    select
        opportunity_id,
        opportunity_type,
        channel,
        {{ sales_team('channel', 'owner_team') }} as team,
        account_segment,
        owner_user_id,
        stage_name,
        close_date,
        fiscal_year_number,
        fiscal_quarter_number,
        fiscal_quarter_start_date,
        cast(acv_amount as {{ type_money() }}) as acv_amount,
        probability,
        -- Exact: ACV (2 decimals) x probability (2 decimals) / 100 has at most 6 decimals.
        cast(weighted_acv_amount as decimal(28, 6)) as weighted_acv_amount,
        {{ dbt.datediff('created_date', as_of_date(), 'day') }} as days_in_pipeline,
        {{ dbt.datediff('coalesce(stage_entered_date, created_date)', as_of_date(), 'day') }}
            as days_in_current_stage
    from open_opportunities

)

select * from final
