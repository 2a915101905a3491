{#- One row per lead cohort month x channel x lead source x account segment: how many of the leads
    created that month reached MQL, SQL, opportunity and won (cumulative stages, so the counts never rise
    down the funnel), the stage-to-stage conversion rates, and the median speed to lead, speed to MQL,
    days from lead to opportunity and sales cycle of the cohort. -#}
with

milestones as (

    select * from {{ ref('int_crm__lead_milestones') }}

),

cohorts as (

    select
        cohort_month_start_date,
        channel,
        coalesce(lead_source, 'Unknown') as lead_source,
        coalesce(account_segment, 'Unknown') as account_segment,
        count(*) as leads_count,
        sum(case when is_mql then 1 else 0 end) as mql_count,
        sum(case when is_sql then 1 else 0 end) as sql_count,
        sum(case when has_opportunity then 1 else 0 end) as opportunity_count,
        sum(case when is_won then 1 else 0 end) as won_count,
        {{ percentile_cont('speed_to_lead_minutes', 0.5) }} as median_speed_to_lead_minutes,
        {{ percentile_cont('speed_to_mql_hours', 0.5) }} as median_speed_to_mql_hours,
        {{ percentile_cont('lead_to_opportunity_days', 0.5) }} as median_lead_to_opportunity_days,
        {{ percentile_cont('opportunity_to_won_days', 0.5) }} as median_opportunity_to_won_days
    from milestones
    group by
        cohort_month_start_date,
        channel,
        coalesce(lead_source, 'Unknown'),
        coalesce(account_segment, 'Unknown')

),

final as (

    select
        cohort_month_start_date,
        channel,
        lead_source,
        account_segment,
        leads_count,
        mql_count,
        sql_count,
        opportunity_count,
        won_count,
        {{ safe_ratio('mql_count', 'leads_count') }}
            as lead_to_mql_rate,
        {{ safe_ratio('sql_count', 'mql_count') }}
            as mql_to_sql_rate,
        {{ safe_ratio('opportunity_count', 'sql_count') }}
            as sql_to_opportunity_rate,
        {{ safe_ratio('won_count', 'opportunity_count') }}
            as opportunity_to_won_rate,
        {{ safe_ratio('won_count', 'leads_count') }}
            as lead_to_won_rate,
        cast(round(cast(median_speed_to_lead_minutes as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as median_speed_to_lead_minutes,
        cast(round(cast(median_speed_to_mql_hours as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as median_speed_to_mql_hours,
        cast(round(cast(median_lead_to_opportunity_days as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as median_lead_to_opportunity_days,
        cast(round(cast(median_opportunity_to_won_days as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as median_opportunity_to_won_days
    from cohorts

)

select * from final
