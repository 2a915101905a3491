{#- O2R customer metrics (C.1-C.6) per Monday-start week, for the whole base and cut by segment and by plan
    (one row per week x cut value, zero-filled). An account is active in a week when it has recognised revenue
    in it (fct_account_weekly.is_active); sign-up is the start of its first subscription. -#}
{%- set weights = var('o2r_satisfaction_weights') -%}
with

{{ o2r_weekly_frame() }},

product as (

    select * from {{ ref('rpt_o2r_product_weekly') }}

),

events as (

    select * from {{ ref('stg_product__api_events') }}

),

weekly as (

    select
        cut_name,
        cut_value,
        week_start_date,
        sum(case when is_active then 1 else 0 end) as active_account_count,
        sum(case when is_signup_week then 1 else 0 end) as signup_count,
        sum(case when was_active_previous_week then 1 else 0 end) as previous_week_active_account_count,
        sum(case when was_active_previous_week and is_active then 1 else 0 end) as retained_account_count,
        sum(case when was_active_span_start_week then 1 else 0 end) as span_start_active_account_count,
        sum(case when was_active_span_start_week and is_active then 1 else 0 end) as span_retained_account_count,
        cast(
            sum(case when span_start_week_token_count > 0 then span_start_week_token_count else 0 end)
            as {{ dbt.type_bigint() }}
        ) as span_usage_base_start_token_count,
        cast(
            sum(case when span_start_week_token_count > 0 then token_count else 0 end)
            as {{ dbt.type_bigint() }}
        ) as span_usage_base_token_count,
        cast(
            sum(case when previous_week_token_count > 0 then previous_week_token_count else 0 end)
            as {{ dbt.type_bigint() }}
        ) as usage_base_previous_week_token_count,
        cast(
            sum(case when previous_week_token_count > 0 then token_count else 0 end)
            as {{ dbt.type_bigint() }}
        ) as usage_base_token_count,
        cast(sum(csat_response_count) as {{ dbt.type_bigint() }}) as csat_response_count,
        cast(sum(csat_score_total) as {{ dbt.type_bigint() }}) as csat_score_total
    from panel_cuts
    group by cut_name, cut_value, week_start_date

),

-- C.3: sign-ups inside the observed event window, and the tokens each used in its adoption window.
signups as (

    select
        panel_cuts.cut_name,
        panel_cuts.cut_value,
        panel_cuts.week_start_date,
        panel_cuts.account_id,
        panel_cuts.signup_date
    from panel_cuts
    where panel_cuts.is_observed_signup_week

),

signup_tokens as (

    select
        signup_accounts.account_id,
        sum(events.token_count) as adoption_window_token_count
    from (
        select distinct
            account_id,
            signup_date
        from signups
    ) as signup_accounts
    inner join events
        on signup_accounts.account_id = events.account_id
            and signup_accounts.signup_date <= events.event_date
            and events.event_date
            < {{ dbt.dateadd('day', var('o2r_adoption_window_days'), 'signup_accounts.signup_date') }}
    group by signup_accounts.account_id

),

adoption as (

    select
        signups.cut_name,
        signups.cut_value,
        signups.week_start_date,
        count(*) as adoption_cohort_count,
        sum(
            case
                when signup_tokens.adoption_window_token_count >= {{ var('o2r_adoption_token_threshold') }} then 1
                else 0
            end
        ) as adopted_account_count,
        max(signups.signup_date) as last_signup_date
    from signups
    left join signup_tokens
        on signups.account_id = signup_tokens.account_id
    group by signups.cut_name, signups.cut_value, signups.week_start_date

),

scores as (

    select
        grid.week_start_date,
        grid.cut_name,
        grid.cut_value,
        grid.is_complete_week,
        coalesce(weekly.active_account_count, 0) as active_account_count,
        coalesce(weekly.signup_count, 0) as signup_count,
        coalesce(adoption.adoption_cohort_count, 0) as adoption_cohort_count,
        coalesce(adoption.adopted_account_count, 0) as adopted_account_count,
        adoption.last_signup_date,
        coalesce(weekly.previous_week_active_account_count, 0) as previous_week_active_account_count,
        coalesce(weekly.retained_account_count, 0) as retained_account_count,
        coalesce(weekly.usage_base_previous_week_token_count, 0) as usage_base_previous_week_token_count,
        coalesce(weekly.usage_base_token_count, 0) as usage_base_token_count,
        coalesce(weekly.span_start_active_account_count, 0) as span_start_active_account_count,
        coalesce(weekly.span_retained_account_count, 0) as span_retained_account_count,
        coalesce(weekly.span_usage_base_start_token_count, 0) as span_usage_base_start_token_count,
        coalesce(weekly.span_usage_base_token_count, 0) as span_usage_base_token_count,
        coalesce(weekly.csat_response_count, 0) as csat_response_count,
        weekly.csat_score_total,
        -- Each component is 0..100: 10 points per percentage point of downtime, 5 per point of error rate,
        -- 1 per hour of average ticket resolution; a week without the signal scores 100.
        greatest(0, 100 - coalesce(1 - product.uptime_rate, 0) * 100 * 10) as uptime_score,
        greatest(0, 100 - coalesce(product.error_rate, 0) * 100 * 5) as error_rate_score,
        greatest(0, 100 - coalesce(product.average_resolution_hours, 0)) as ticket_resolution_score
    from grid
    left join weekly
        on grid.cut_name = weekly.cut_name
            and grid.cut_value = weekly.cut_value
            and grid.week_start_date = weekly.week_start_date
    left join adoption
        on grid.cut_name = adoption.cut_name
            and grid.cut_value = adoption.cut_value
            and grid.week_start_date = adoption.week_start_date
    left join product
        on grid.cut_name = product.cut_name
            and grid.cut_value = product.cut_value
            and grid.week_start_date = product.week_start_date

),

final as (

    select
        week_start_date,
        cut_name,
        cut_value,
        is_complete_week,
        active_account_count,
        signup_count,
        adoption_cohort_count,
        adopted_account_count,
        cast(adopted_account_count as {{ dbt.type_float() }}) / nullif(adoption_cohort_count, 0) as adoption_rate,
        case
            when adoption_cohort_count > 0
                then {{ dbt.dateadd('day', var('o2r_adoption_window_days'), 'last_signup_date') }}
                    <= {{ dbt.dateadd('day', 1, as_of_date()) }}
        end as is_adoption_window_complete,
        previous_week_active_account_count,
        retained_account_count,
        cast(retained_account_count as {{ dbt.type_float() }}) / nullif(previous_week_active_account_count, 0)
            as retention_rate,
        usage_base_previous_week_token_count,
        usage_base_token_count,
        cast(usage_base_token_count as {{ dbt.type_float() }}) / nullif(usage_base_previous_week_token_count, 0)
            as usage_retention_rate,
        span_start_active_account_count,
        span_retained_account_count,
        cast(span_retained_account_count as {{ dbt.type_float() }}) / nullif(span_start_active_account_count, 0)
            as span_retention_rate,
        span_usage_base_start_token_count,
        span_usage_base_token_count,
        cast(span_usage_base_token_count as {{ dbt.type_float() }}) / nullif(span_usage_base_start_token_count, 0)
            as span_usage_retention_rate,
        csat_response_count,
        cast(csat_score_total as {{ dbt.type_float() }}) / nullif(csat_response_count, 0) as survey_csat_average,
        cast(uptime_score as {{ dbt.type_float() }}) as uptime_score,
        cast(ticket_resolution_score as {{ dbt.type_float() }}) as ticket_resolution_score,
        cast(error_rate_score as {{ dbt.type_float() }}) as error_rate_score,
        cast(
            {{ weights['uptime'] }} * uptime_score
            + {{ weights['ticket_resolution'] }} * ticket_resolution_score
            + {{ weights['error_rate'] }} * error_rate_score
            as {{ dbt.type_float() }}
        ) as satisfaction_score
    from scores

)

select * from final
