{#- Second identity of fct_pipeline_movement, recomputed from fct_opportunity_daily directly: for every period,
    the opening pipeline (summed over channels and segments) equals the ACV and count of staged opportunities
    open at the end of the day before the period starts with a close date inside it, and the closing pipeline
    those open at the end of closing_pipeline_date (the period's last day, or the as-of date). Returns the
    periods that differ. -#}
with

movement as (

    select * from {{ ref('fct_pipeline_movement') }}

),

opportunity_daily as (

    select * from {{ ref('fct_opportunity_daily') }}

),

staged_opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

periods as (

    select distinct
        period_grain,
        period_start_date,
        period_end_date,
        closing_pipeline_date,
        cast({{ dbt.dateadd('day', -1, 'period_start_date') }} as date) as opening_date
    from movement

),

reported as (

    select
        period_grain,
        period_start_date,
        sum(opening_pipeline_amount) as opening_pipeline_amount,
        sum(opening_pipeline_count) as opening_pipeline_count,
        sum(closing_pipeline_amount) as closing_pipeline_amount,
        sum(closing_pipeline_count) as closing_pipeline_count
    from movement
    group by 1, 2

),

open_days as (

    select
        opportunity_daily.date_day,
        opportunity_daily.close_date,
        opportunity_daily.acv_amount
    from opportunity_daily
    inner join staged_opportunities
        on opportunity_daily.opportunity_id = staged_opportunities.opportunity_id
    where not opportunity_daily.is_closed

),

recomputed as (

    select
        periods.period_grain,
        periods.period_start_date,
        sum(case when open_days.date_day = periods.opening_date then open_days.acv_amount else 0 end)
            as opening_pipeline_amount,
        sum(case when open_days.date_day = periods.opening_date then 1 else 0 end) as opening_pipeline_count,
        sum(case when open_days.date_day = periods.closing_pipeline_date then open_days.acv_amount else 0 end)
            as closing_pipeline_amount,
        sum(case when open_days.date_day = periods.closing_pipeline_date then 1 else 0 end)
            as closing_pipeline_count
    from periods
    inner join open_days
        on open_days.close_date between periods.period_start_date and periods.period_end_date
            and open_days.date_day in (periods.opening_date, periods.closing_pipeline_date)
    group by 1, 2

)

select
    coalesce(reported.period_grain, recomputed.period_grain) as period_grain,
    coalesce(reported.period_start_date, recomputed.period_start_date) as period_start_date,
    reported.opening_pipeline_amount as reported_opening_amount,
    recomputed.opening_pipeline_amount as recomputed_opening_amount,
    reported.closing_pipeline_amount as reported_closing_amount,
    recomputed.closing_pipeline_amount as recomputed_closing_amount
from reported
full outer join recomputed
    on reported.period_grain = recomputed.period_grain
        and reported.period_start_date = recomputed.period_start_date
where
    coalesce(reported.opening_pipeline_amount, 0) <> coalesce(recomputed.opening_pipeline_amount, 0)
    or coalesce(reported.opening_pipeline_count, 0) <> coalesce(recomputed.opening_pipeline_count, 0)
    or coalesce(reported.closing_pipeline_amount, 0) <> coalesce(recomputed.closing_pipeline_amount, 0)
    or coalesce(reported.closing_pipeline_count, 0) <> coalesce(recomputed.closing_pipeline_count, 0)
