{#- One row per open pipeline stage x account segment x deal-size band: how many times opportunities
    entered the stage, how long the completed stays lasted (median, p90, mean, standard deviation, in
    elapsed days), how many stays are still open and how old they are, and how often the stage was left
    backwards (regression) or entered again (re-entry). -#}
with

spells as (

    select * from {{ ref('int_crm__opportunity_stage_spells') }}

),

pipeline_spells as (

    select * from spells
    where not is_terminal_stage

),

aggregated as (

    select
        stage_name,
        stage_order,
        account_segment,
        deal_size_band,
        count(*) as entry_count,
        sum(case when is_reentry then 1 else 0 end) as reentry_count,
        sum(case when is_completed then 1 else 0 end) as completed_count,
        {{ percentile_cont('days_in_stage', 0.5) }} as median_days_in_stage,
        {{ percentile_cont('days_in_stage', 0.9) }} as p90_days_in_stage,
        avg(days_in_stage) as avg_days_in_stage,
        stddev_samp(days_in_stage) as stddev_days_in_stage,
        sum(case when is_open then 1 else 0 end) as open_count,
        {{ percentile_cont('open_age_days', 0.5) }} as median_open_age_days,
        sum(case when is_regression then 1 else 0 end) as regressed_count
    from pipeline_spells
    group by stage_name, stage_order, account_segment, deal_size_band

),

final as (

    select
        stage_name,
        stage_order,
        account_segment,
        deal_size_band,
        entry_count,
        reentry_count,
        completed_count,
        cast(round(cast(median_days_in_stage as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as median_days_in_stage,
        cast(round(cast(p90_days_in_stage as {{ dbt.type_numeric() }}), 2) as numeric(12, 2)) as p90_days_in_stage,
        cast(round(cast(avg_days_in_stage as {{ dbt.type_numeric() }}), 2) as numeric(12, 2)) as avg_days_in_stage,
        cast(round(cast(stddev_days_in_stage as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as stddev_days_in_stage,
        open_count,
        cast(round(cast(median_open_age_days as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as median_open_age_days,
        regressed_count,
        {{ safe_ratio('regressed_count', 'completed_count') }}
            as regression_share
    from aggregated

)

select * from final
