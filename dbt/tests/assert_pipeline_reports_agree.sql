{#- The pipeline marts tell one story about the pipeline open at the end of the as-of date: per fiscal
    quarter, rpt_pipeline_forecast's open pipeline equals rpt_pipeline_by_close_period's (quarter rows); in
    total, rpt_pipeline_stage_age's equals it too; and for the period(s) whose closing_pipeline_date is the
    as-of date, fct_pipeline_movement's closing pipeline equals rpt_pipeline_by_close_period's open pipeline
    of that period (amount and count). Returns the comparisons that disagree. -#}
with

movement as (

    select * from {{ ref('fct_pipeline_movement') }}

),

by_close_period as (

    select * from {{ ref('rpt_pipeline_by_close_period') }}

),

forecast as (

    select * from {{ ref('rpt_pipeline_forecast') }}

),

stage_age as (

    select * from {{ ref('rpt_pipeline_stage_age') }}

),

close_period_totals as (

    select
        period_grain,
        period_start_date,
        sum(open_pipeline_amount) as open_pipeline_amount,
        sum(open_opportunity_count) as open_opportunity_count
    from by_close_period
    group by 1, 2

),

movement_closing as (

    select
        period_grain,
        period_start_date,
        sum(closing_pipeline_amount) as open_pipeline_amount,
        sum(closing_pipeline_count) as open_opportunity_count
    from movement
    where closing_pipeline_date = {{ as_of_date() }}
    group by 1, 2

),

forecast_quarters as (

    select
        'quarter' as period_grain,
        fiscal_quarter_start_date as period_start_date,
        open_pipeline_amount,
        open_opportunity_count
    from forecast

),

close_period_quarters as (

    select *
    from close_period_totals
    where period_grain = 'quarter' and open_opportunity_count > 0

),

forecast_mismatches as (

    select
        'forecast vs by_close_period' as comparison,
        coalesce(forecast_quarters.period_grain, close_period_quarters.period_grain) as period_grain,
        coalesce(forecast_quarters.period_start_date, close_period_quarters.period_start_date) as period_start_date,
        forecast_quarters.open_pipeline_amount as left_amount,
        close_period_quarters.open_pipeline_amount as right_amount
    from forecast_quarters
    full outer join close_period_quarters
        on forecast_quarters.period_start_date = close_period_quarters.period_start_date
    where
        coalesce(forecast_quarters.open_pipeline_amount, 0) <> coalesce(close_period_quarters.open_pipeline_amount, 0)
        or coalesce(forecast_quarters.open_opportunity_count, 0)
        <> coalesce(close_period_quarters.open_opportunity_count, 0)

),

movement_mismatches as (

    select
        'movement closing vs by_close_period' as comparison,
        movement_closing.period_grain,
        movement_closing.period_start_date,
        movement_closing.open_pipeline_amount as left_amount,
        close_period_totals.open_pipeline_amount as right_amount
    from movement_closing
    left join close_period_totals
        on movement_closing.period_grain = close_period_totals.period_grain
            and movement_closing.period_start_date = close_period_totals.period_start_date
    where
        movement_closing.open_pipeline_amount <> coalesce(close_period_totals.open_pipeline_amount, 0)
        or movement_closing.open_opportunity_count <> coalesce(close_period_totals.open_opportunity_count, 0)

),

stage_age_total as (

    select
        sum(open_pipeline_amount) as open_pipeline_amount,
        sum(open_opportunity_count) as open_opportunity_count
    from stage_age

),

close_period_total as (

    select
        sum(open_pipeline_amount) as open_pipeline_amount,
        sum(open_opportunity_count) as open_opportunity_count
    from close_period_totals
    where period_grain = 'quarter'

),

stage_age_mismatches as (

    select
        'stage_age vs by_close_period' as comparison,
        'all' as period_grain,
        cast(null as date) as period_start_date,
        stage_age_total.open_pipeline_amount as left_amount,
        close_period_total.open_pipeline_amount as right_amount
    from stage_age_total
    cross join close_period_total
    where
        coalesce(stage_age_total.open_pipeline_amount, 0) <> coalesce(close_period_total.open_pipeline_amount, 0)
        or coalesce(stage_age_total.open_opportunity_count, 0)
        <> coalesce(close_period_total.open_opportunity_count, 0)

)

select * from forecast_mismatches
union all
select * from movement_mismatches
union all
select * from stage_age_mismatches
