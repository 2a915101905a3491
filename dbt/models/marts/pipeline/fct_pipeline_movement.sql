{#- One row per period (period_grain 'month' = calendar month, 'quarter' = fiscal quarter from dim_date) x
    channel x account_segment: the pipeline OF the period (open opportunities whose close date falls inside
    it) at the end of the day before the period starts, every change to it during the period classified from
    the daily opportunity history (created, pulled in, pushed out, amount up/down, won, lost), and at the end
    of the period (or the as-of date for the current period), so that opening + inflows - outflows = closing.
    Also the pipeline created in the period whatever its close date. Periods from the first day of history
    to the one holding the as-of date; only staged (not quarantined) opportunities. -#}
with

opportunity_daily as (

    select * from {{ ref('fct_opportunity_daily') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

-- State at the end of each day up to the as-of date, for opportunities that passed staging.
daily_states as (

    select
        opportunity_daily.opportunity_id,
        opportunity_daily.date_day,
        coalesce(opportunity_daily.is_closed, false) as is_closed,
        coalesce(opportunity_daily.is_won, false) as is_won,
        opportunity_daily.close_date,
        coalesce(opportunity_daily.acv_amount, 0) as acv_amount
    from opportunity_daily
    inner join opportunities
        on opportunity_daily.opportunity_id = opportunities.opportunity_id
    where opportunity_daily.date_day <= {{ as_of_date() }}

),

-- Each day next to the previous row of the same opportunity (the day before: the history has no gaps).
with_previous_day as (

    select
        opportunity_id,
        date_day,
        is_closed,
        is_won,
        close_date,
        acv_amount,
        lag(date_day) over (partition by opportunity_id order by date_day) as previous_date_day,
        lag(is_closed) over (partition by opportunity_id order by date_day) as previous_is_closed,
        lag(close_date) over (partition by opportunity_id order by date_day) as previous_close_date,
        lag(acv_amount) over (partition by opportunity_id order by date_day) as previous_acv_amount
    from daily_states

),

-- Only the days the opportunity appeared or its open/closed state, close date or ACV changed can move
-- pipeline; on every other day it repeats the day before.
state_changes as (

    select *
    from with_previous_day
    where
        previous_date_day is null
        or is_closed <> previous_is_closed
        or close_date <> previous_close_date
        or acv_amount <> previous_acv_amount

),

-- Each state holds from the day it began to the day before the next change; the last one to the as-of date
-- (an open opportunity's history runs to the as-of date; a closed state is in no period's pipeline).
state_spells as (

    select
        opportunity_id,
        date_day as change_date,
        coalesce(
            cast(
                {{ dbt.dateadd('day', -1, 'lead(date_day) over (partition by opportunity_id order by date_day)') }}
                as date
            ),
            {{ as_of_date() }}
        ) as valid_to_date,
        is_closed,
        is_won,
        close_date,
        acv_amount,
        previous_date_day,
        previous_is_closed,
        previous_close_date,
        previous_acv_amount
    from state_changes

),

calendar_periods as (

    select
        'month' as period_grain,
        month_start_date as period_start_date,
        month_end_date as period_end_date
    from calendar

    union all

    select
        'quarter' as period_grain,
        fiscal_quarter_start_date as period_start_date,
        fiscal_quarter_end_date as period_end_date
    from calendar

),

distinct_periods as (

    select distinct
        period_grain,
        period_start_date,
        period_end_date
    from calendar_periods
    where
        period_start_date <= {{ as_of_date() }}
        and period_end_date >= (select min(daily_states.date_day) from daily_states)

),

-- opening_date: the day whose end state opens the period; closing_date: its last day, or the as-of date.
periods as (

    select
        period_grain,
        period_start_date,
        period_end_date,
        cast({{ dbt.dateadd('day', -1, 'period_start_date') }} as date) as opening_date,
        case
            when period_end_date <= {{ as_of_date() }} then period_end_date
            else {{ as_of_date() }}
        end as closing_date
    from distinct_periods

),

-- Every state change inside a period, with whether the opportunity was in the period's pipeline the day
-- before and is at the end of the day.
period_changes as (

    select
        periods.period_grain,
        periods.period_start_date,
        state_spells.opportunity_id,
        state_spells.is_won,
        state_spells.acv_amount,
        state_spells.previous_acv_amount,
        state_spells.previous_date_day is null as is_new,
        state_spells.is_closed and not coalesce(state_spells.previous_is_closed, false) as is_closing,
        coalesce(
            state_spells.previous_date_day is not null
            and not state_spells.previous_is_closed
            and state_spells.previous_close_date between periods.period_start_date and periods.period_end_date,
            false
        ) as was_in_pipeline,
        coalesce(
            not state_spells.is_closed
            and state_spells.close_date between periods.period_start_date and periods.period_end_date,
            false
        ) as is_in_pipeline
    from state_spells
    inner join periods
        on state_spells.change_date between periods.period_start_date and periods.closing_date

),

-- Telescoping rule: for each change, (in pipeline after x ACV after) - (in pipeline before x ACV before)
-- is split into exactly one of the flow cases below, so the flows of a period sum to closing - opening.
flows as (

    select
        period_grain,
        period_start_date,
        opportunity_id,
        0 as opening_pipeline_amount,
        0 as opening_pipeline_count,
        case when is_new and (is_in_pipeline or is_closing) then acv_amount else 0 end as created_amount,
        case when is_new and (is_in_pipeline or is_closing) then 1 else 0 end as created_count,
        -- An existing opportunity entering the pipeline: close date moved in, closed inside the period from
        -- another period's close date, or reopened (a closed day followed by an open one).
        case
            when not is_new and not was_in_pipeline and (is_in_pipeline or is_closing) then acv_amount else 0
        end as pulled_in_amount,
        case when not is_new and not was_in_pipeline and (is_in_pipeline or is_closing) then 1 else 0 end
            as pulled_in_count,
        -- The part of pulled_in that entered on the day it closed (closed early or late against its close date).
        case when not is_new and not was_in_pipeline and is_closing then acv_amount else 0 end
            as pulled_in_at_close_amount,
        case when not is_new and not was_in_pipeline and is_closing then 1 else 0 end as pulled_in_at_close_count,
        case
            when was_in_pipeline and not is_in_pipeline and not is_closing then previous_acv_amount else 0
        end as pushed_out_amount,
        case when was_in_pipeline and not is_in_pipeline and not is_closing then 1 else 0 end as pushed_out_count,
        case
            when was_in_pipeline and (is_in_pipeline or is_closing) and acv_amount > previous_acv_amount
                then acv_amount - previous_acv_amount
            else 0
        end as amount_increased_amount,
        case
            when was_in_pipeline and (is_in_pipeline or is_closing) and acv_amount < previous_acv_amount
                then previous_acv_amount - acv_amount
            else 0
        end as amount_decreased_amount,
        case when is_closing and is_won then acv_amount else 0 end as won_amount,
        case when is_closing and is_won then 1 else 0 end as won_count,
        case when is_closing and not is_won then acv_amount else 0 end as lost_amount,
        case when is_closing and not is_won then 1 else 0 end as lost_count,
        0 as closing_pipeline_amount,
        0 as closing_pipeline_count,
        case when is_new then acv_amount else 0 end as pipeline_created_amount,
        case when is_new then 1 else 0 end as pipeline_created_count
    from period_changes
    where is_new or is_closing or was_in_pipeline or is_in_pipeline

),

-- Open at the end of the opening (or closing) date with the close date inside the period.
period_spells as (

    select
        periods.period_grain,
        periods.period_start_date,
        state_spells.opportunity_id,
        state_spells.acv_amount,
        periods.opening_date between state_spells.change_date and state_spells.valid_to_date
            as is_open_at_opening,
        periods.closing_date between state_spells.change_date and state_spells.valid_to_date
            as is_open_at_closing
    from state_spells
    inner join periods
        on state_spells.close_date between periods.period_start_date and periods.period_end_date
    where not state_spells.is_closed

),

period_ends as (

    select
        period_grain,
        period_start_date,
        opportunity_id,
        case when is_open_at_opening then acv_amount else 0 end as opening_pipeline_amount,
        case when is_open_at_opening then 1 else 0 end as opening_pipeline_count,
        case when is_open_at_closing then acv_amount else 0 end as closing_pipeline_amount,
        case when is_open_at_closing then 1 else 0 end as closing_pipeline_count
    from period_spells
    where is_open_at_opening or is_open_at_closing

),

contributions as (

    select
        period_grain,
        period_start_date,
        opportunity_id,
        opening_pipeline_amount,
        opening_pipeline_count,
        created_amount,
        created_count,
        pulled_in_amount,
        pulled_in_count,
        pulled_in_at_close_amount,
        pulled_in_at_close_count,
        pushed_out_amount,
        pushed_out_count,
        amount_increased_amount,
        amount_decreased_amount,
        won_amount,
        won_count,
        lost_amount,
        lost_count,
        closing_pipeline_amount,
        closing_pipeline_count,
        pipeline_created_amount,
        pipeline_created_count
    from flows

    union all

    select
        period_grain,
        period_start_date,
        opportunity_id,
        opening_pipeline_amount,
        opening_pipeline_count,
        0 as created_amount,
        0 as created_count,
        0 as pulled_in_amount,
        0 as pulled_in_count,
        0 as pulled_in_at_close_amount,
        0 as pulled_in_at_close_count,
        0 as pushed_out_amount,
        0 as pushed_out_count,
        0 as amount_increased_amount,
        0 as amount_decreased_amount,
        0 as won_amount,
        0 as won_count,
        0 as lost_amount,
        0 as lost_count,
        closing_pipeline_amount,
        closing_pipeline_count,
        0 as pipeline_created_amount,
        0 as pipeline_created_count
    from period_ends

),

aggregated as (

    select
        contributions.period_grain,
        contributions.period_start_date,
        coalesce(opportunities.channel, 'Unknown') as channel,
        coalesce(opportunities.account_segment, 'Unknown') as account_segment,
        sum(contributions.opening_pipeline_amount) as opening_pipeline_amount,
        sum(contributions.created_amount) as created_amount,
        sum(contributions.pulled_in_amount) as pulled_in_amount,
        sum(contributions.pushed_out_amount) as pushed_out_amount,
        sum(contributions.amount_increased_amount) as amount_increased_amount,
        sum(contributions.amount_decreased_amount) as amount_decreased_amount,
        sum(contributions.won_amount) as won_amount,
        sum(contributions.lost_amount) as lost_amount,
        sum(contributions.closing_pipeline_amount) as closing_pipeline_amount,
        sum(contributions.opening_pipeline_count) as opening_pipeline_count,
        sum(contributions.created_count) as created_count,
        sum(contributions.pulled_in_count) as pulled_in_count,
        sum(contributions.pushed_out_count) as pushed_out_count,
        sum(contributions.won_count) as won_count,
        sum(contributions.lost_count) as lost_count,
        sum(contributions.closing_pipeline_count) as closing_pipeline_count,
        sum(contributions.pipeline_created_amount) as pipeline_created_amount,
        sum(contributions.pipeline_created_count) as pipeline_created_count,
        sum(contributions.pulled_in_at_close_amount) as pulled_in_at_close_amount,
        sum(contributions.pulled_in_at_close_count) as pulled_in_at_close_count
    from contributions
    inner join opportunities
        on contributions.opportunity_id = opportunities.opportunity_id
    group by 1, 2, 3, 4

),

final as (

    select
        aggregated.period_grain,
        aggregated.period_start_date,
        periods.period_end_date,
        periods.closing_date as closing_pipeline_date,
        periods.period_end_date <= {{ as_of_date() }} as is_period_complete,
        aggregated.channel,
        aggregated.account_segment,
        cast(aggregated.opening_pipeline_amount as {{ type_money() }}) as opening_pipeline_amount,
        cast(aggregated.created_amount as {{ type_money() }}) as created_amount,
        cast(aggregated.pulled_in_amount as {{ type_money() }}) as pulled_in_amount,
        cast(aggregated.pushed_out_amount as {{ type_money() }}) as pushed_out_amount,
        cast(aggregated.amount_increased_amount as {{ type_money() }}) as amount_increased_amount,
        cast(aggregated.amount_decreased_amount as {{ type_money() }}) as amount_decreased_amount,
        cast(aggregated.won_amount as {{ type_money() }}) as won_amount,
        cast(aggregated.lost_amount as {{ type_money() }}) as lost_amount,
        cast(aggregated.closing_pipeline_amount as {{ type_money() }}) as closing_pipeline_amount,
        cast(aggregated.opening_pipeline_count as {{ dbt.type_bigint() }}) as opening_pipeline_count,
        cast(aggregated.created_count as {{ dbt.type_bigint() }}) as created_count,
        cast(aggregated.pulled_in_count as {{ dbt.type_bigint() }}) as pulled_in_count,
        cast(aggregated.pushed_out_count as {{ dbt.type_bigint() }}) as pushed_out_count,
        cast(aggregated.won_count as {{ dbt.type_bigint() }}) as won_count,
        cast(aggregated.lost_count as {{ dbt.type_bigint() }}) as lost_count,
        cast(aggregated.closing_pipeline_count as {{ dbt.type_bigint() }}) as closing_pipeline_count,
        cast(aggregated.pipeline_created_amount as {{ type_money() }}) as pipeline_created_amount,
        cast(aggregated.pipeline_created_count as {{ dbt.type_bigint() }}) as pipeline_created_count,
        cast(aggregated.pulled_in_at_close_amount as {{ type_money() }}) as pulled_in_at_close_amount,
        cast(aggregated.pulled_in_at_close_count as {{ dbt.type_bigint() }}) as pulled_in_at_close_count
    from aggregated
    inner join periods
        on aggregated.period_grain = periods.period_grain
            and aggregated.period_start_date = periods.period_start_date

)

select * from final
