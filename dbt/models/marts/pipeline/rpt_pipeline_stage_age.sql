{#- One row per current stage x account segment of the pipeline open at the end of the as-of date (staged
    opportunities, state from fct_opportunity_daily that day): how many opportunities and how much ACV (total
    and stage-probability weighted) sit there, how old they are (average, median and p90 days since creation
    and days since the stage was last entered, to the as-of date), and the share that is stalled (more than
    var opportunity_stalled_stage_days in the current stage). The open set, ACV, weighting and ages come from
    int_pipeline__open_opportunities. -#}
with

open_opportunities as (

    select * from {{ ref('int_pipeline__open_opportunities') }}

),

aggregated as (

    select
        stage_name,
        account_segment,
        count(*) as open_opportunity_count,
        sum(acv_amount) as open_pipeline_amount,
        sum(weighted_acv_amount) as weighted_pipeline_amount,
        avg(days_in_pipeline) as pipeline_age_avg_days,
        {{ percentile_cont('days_in_pipeline', 0.5) }} as pipeline_age_median_days,
        {{ percentile_cont('days_in_pipeline', 0.9) }} as pipeline_age_p90_days,
        avg(days_in_current_stage) as stage_age_avg_days,
        {{ percentile_cont('days_in_current_stage', 0.5) }} as stage_age_median_days,
        {{ percentile_cont('days_in_current_stage', 0.9) }} as stage_age_p90_days,
        sum(
            case when days_in_current_stage > {{ var('opportunity_stalled_stage_days') }} then 1 else 0 end
        ) as stalled_count
    from open_opportunities
    group by 1, 2

),

final as (

    select
        stage_name,
        account_segment,
        cast(open_opportunity_count as {{ dbt.type_bigint() }}) as open_opportunity_count,
        cast(open_pipeline_amount as {{ type_money() }}) as open_pipeline_amount,
        cast(weighted_pipeline_amount as {{ type_money() }}) as weighted_pipeline_amount,
        cast(pipeline_age_avg_days as decimal(10, 1)) as pipeline_age_avg_days,
        cast(pipeline_age_median_days as decimal(10, 1)) as pipeline_age_median_days,
        cast(pipeline_age_p90_days as decimal(10, 1)) as pipeline_age_p90_days,
        cast(stage_age_avg_days as decimal(10, 1)) as stage_age_avg_days,
        cast(stage_age_median_days as decimal(10, 1)) as stage_age_median_days,
        cast(stage_age_p90_days as decimal(10, 1)) as stage_age_p90_days,
        cast(stalled_count as {{ dbt.type_bigint() }}) as stalled_count,
        cast(
            cast(stalled_count as {{ dbt.type_numeric() }}) / nullif(open_opportunity_count, 0)
            as decimal(10, 4)
        ) as stalled_share
    from aggregated

)

select * from final
