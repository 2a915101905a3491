{#- The O2R lead-lag test: do accounts exposed to a reliability event (fct_account_weekly.is_reliability_exposed:
    an outage hit them, or enough of their requests were throttled) lose usage and revenue more often than
    comparable unexposed accounts over the following weeks? One row per horizon x exposure group.
    Observations are account-weeks of paying accounts (committed MRR > 0 at the week's end) whose horizon lies
    inside the data: "exposed" weeks had an event; "unexposed" weeks had none in that week nor in the
    o2r_control_clean_weeks weeks before it (other weeks are left out, so controls are not still recovering).
    Outcomes h weeks later: usage change (tokens in the h weeks after against the h weeks before), contraction
    (committed MRR lower but above zero) and churn (no committed MRR). -#}
{%- set horizons = var('o2r_lead_lag_horizons_weeks') -%}
{%- set clean_weeks = var('o2r_control_clean_weeks') | int -%}
with

panel as (

    select * from {{ ref('fct_account_weekly') }}

),

windows as (

    select
        account_id,
        week_start_date,
        is_reliability_exposed,
        coalesce(committed_mrr_amount, 0) as committed_mrr_amount,
        {%- for h in horizons %}
        lead(week_start_date, {{ h }}) over (
            partition by account_id order by week_start_date
        ) as week_start_date_after_{{ h }},
        lead(coalesce(committed_mrr_amount, 0), {{ h }}) over (
            partition by account_id order by week_start_date
        ) as committed_mrr_after_{{ h }},
        sum(token_count) over (
            partition by account_id order by week_start_date
            rows between 1 following and {{ h }} following
        ) as tokens_next_{{ h }},
        sum(token_count) over (
            partition by account_id order by week_start_date
            rows between {{ h }} preceding and 1 preceding
        ) as tokens_previous_{{ h }},
        count(*) over (
            partition by account_id order by week_start_date
            rows between {{ h }} preceding and 1 preceding
        ) as previous_weeks_{{ h }},
        {%- endfor %}
        max(case when is_reliability_exposed then 1 else 0 end) over (
            partition by account_id order by week_start_date
            rows between {{ clean_weeks }} preceding and 1 preceding
        ) as was_exposed_recently
    from panel

),

observations as (

    select
        *,
        case
            when is_reliability_exposed then 'exposed'
            when coalesce(was_exposed_recently, 0) = 0 then 'unexposed'
        end as exposure_group
    from windows
    where committed_mrr_amount > 0

),

by_horizon as (

    {%- for h in horizons %}
    select
        {{ h }} as horizon_weeks,
        exposure_group,
        count(*) as observation_count,
        count(distinct account_id) as account_count,
        sum(tokens_previous_{{ h }}) as tokens_before,
        sum(tokens_next_{{ h }}) as tokens_after,
        sum(
            case
                when committed_mrr_after_{{ h }} > 0 and committed_mrr_after_{{ h }} < committed_mrr_amount then 1
                else 0
            end
        ) as contracted_count,
        sum(case when committed_mrr_after_{{ h }} = 0 then 1 else 0 end) as churned_count
    from observations
    where exposure_group is not null
        and week_start_date_after_{{ h }} is not null
        and previous_weeks_{{ h }} = {{ h }}
    group by exposure_group
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

rates as (

    select
        horizon_weeks,
        exposure_group,
        observation_count,
        account_count,
        cast(tokens_after - tokens_before as {{ dbt.type_float() }}) / nullif(tokens_before, 0) as usage_change_rate,
        contracted_count,
        cast(contracted_count as {{ dbt.type_float() }}) / observation_count as contraction_rate,
        churned_count,
        cast(churned_count as {{ dbt.type_float() }}) / observation_count as churn_rate,
        cast(contracted_count + churned_count as {{ dbt.type_float() }}) / observation_count
            as contraction_or_churn_rate
    from by_horizon

),

final as (

    select
        *,
        contraction_or_churn_rate - max(
            case when exposure_group = 'unexposed' then contraction_or_churn_rate end
        ) over (partition by horizon_weeks) as contraction_or_churn_rate_vs_unexposed,
        usage_change_rate - max(
            case when exposure_group = 'unexposed' then usage_change_rate end
        ) over (partition by horizon_weeks) as usage_change_rate_vs_unexposed
    from rates

)

select * from final
