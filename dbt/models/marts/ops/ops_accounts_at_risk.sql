{#- Accounts at risk, ready for reverse ETL into the CRM: one row per paying account (committed MRR > 0 at the
    end of the latest complete week) showing at least one O2R warning sign over the last o2r_risk_window_weeks
    complete weeks: an outage hit it, its requests were throttled, its usage fell, or its CSAT answers (over
    o2r_risk_csat_window_weeks) were low. The ARR at stake is its committed ARR; a renewal due soon raises the
    priority. -#}
{%- set window = var('o2r_risk_window_weeks') | int -%}
{%- set csat_window = var('o2r_risk_csat_window_weeks') | int -%}
with

panel as (

    select * from {{ ref('fct_account_weekly') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}
    where subscription_status = 'active'

),

accounts as (

    select * from {{ ref('dim_account') }}

),

users as (

    select * from {{ ref('dim_user') }}

),

latest_week as (

    select max(week_start_date) as week_start_date
    from panel
    where {{ dbt.dateadd('day', 7, 'week_start_date') }} <= {{ dbt.dateadd('day', 1, as_of_date()) }}

),

-- Which of the look-back windows each panel week falls in (all end with the latest complete week).
panel_windows as (

    select
        panel.*,
        panel.week_start_date > {{ dbt.dateadd('day', -7 * window, 'latest_week.week_start_date') }}
            as is_in_window,
        panel.week_start_date <= {{ dbt.dateadd('day', -7 * window, 'latest_week.week_start_date') }}
        and panel.week_start_date > {{ dbt.dateadd('day', -14 * window, 'latest_week.week_start_date') }}
            as is_in_previous_window,
        panel.week_start_date > {{ dbt.dateadd('day', -7 * csat_window, 'latest_week.week_start_date') }}
            as is_in_csat_window,
        panel.week_start_date = latest_week.week_start_date as is_latest_week
    from panel
    cross join latest_week
    where panel.week_start_date <= latest_week.week_start_date

),

windowed as (

    select
        account_id,
        sum(case when is_in_window then outage_minutes else 0 end) as outage_minutes,
        sum(case when is_in_window then outage_count else 0 end) as outage_count,
        sum(case when is_in_window then throttled_request_count else 0 end) as throttled_request_count,
        sum(case when is_in_window then request_count else 0 end) as request_count,
        sum(case when is_in_window then token_count else 0 end) as token_count,
        sum(case when is_in_previous_window then token_count else 0 end) as previous_token_count,
        sum(case when is_in_csat_window then csat_response_count else 0 end) as csat_response_count,
        sum(case when is_in_csat_window then csat_score_total else 0 end) as csat_score_total,
        max(case when is_latest_week then committed_mrr_amount end) as committed_mrr_amount,
        max(case when is_latest_week then plan_name end) as plan_name
    from panel_windows
    group by account_id

),

renewals as (

    select
        account_id,
        min(end_date) as next_renewal_date
    from subscriptions
    where end_date > {{ as_of_date() }}
    group by account_id

),

signals as (

    select
        windowed.*,
        renewals.next_renewal_date,
        windowed.outage_minutes > 0 as has_outage_exposure,
        cast(windowed.throttled_request_count as {{ dbt.type_float() }}) / nullif(windowed.request_count, 0)
            as throttle_rate,
        coalesce(
            cast(windowed.throttled_request_count as {{ dbt.type_float() }}) / nullif(windowed.request_count, 0), 0
        ) >= {{ var('o2r_throttle_exposure_rate') }} as is_throttled,
        cast(windowed.token_count - windowed.previous_token_count as {{ dbt.type_float() }})
        / nullif(windowed.previous_token_count, 0) as usage_change_rate,
        windowed.token_count
        < (1 - {{ var('o2r_risk_usage_decline_share') }}) * windowed.previous_token_count as has_usage_decline,
        cast(windowed.csat_score_total as {{ dbt.type_float() }}) / nullif(windowed.csat_response_count, 0)
            as csat_average,
        coalesce(
            cast(windowed.csat_score_total as {{ dbt.type_float() }}) / nullif(windowed.csat_response_count, 0)
            <= {{ var('o2r_risk_low_csat_max') }},
            false
        ) as has_low_csat,
        coalesce(
            renewals.next_renewal_date
            <= {{ dbt.dateadd('day', var('o2r_risk_renewal_window_days'), as_of_date()) }},
            false
        ) as is_renewal_due
    from windowed
    left join renewals
        on windowed.account_id = renewals.account_id
    where windowed.committed_mrr_amount > 0

),

at_risk as (

    select
        *,
        case
            when has_outage_exposure then 'outage_exposure'
            when has_usage_decline then 'usage_decline'
            when has_low_csat then 'low_csat'
            when is_throttled then 'throttling'
        end as primary_risk_reason,
        (case when has_outage_exposure then 1 else 0 end)
        + (case when has_usage_decline then 1 else 0 end)
        + (case when has_low_csat then 1 else 0 end)
        + (case when is_throttled then 1 else 0 end)
        + (case when is_renewal_due then 1 else 0 end) as risk_score
    from signals
    where has_outage_exposure or has_usage_decline or has_low_csat or is_throttled

),

final as (

    select
        at_risk.account_id,
        accounts.account_name,
        accounts.segment,
        at_risk.plan_name,
        accounts.owner_user_id,
        users.full_name as owner_name,
        cast(at_risk.committed_mrr_amount * 12 as {{ type_money() }}) as arr_at_stake_amount,
        at_risk.primary_risk_reason,
        at_risk.risk_score,
        at_risk.has_outage_exposure,
        at_risk.has_usage_decline,
        at_risk.has_low_csat,
        at_risk.is_throttled,
        at_risk.is_renewal_due,
        at_risk.next_renewal_date,
        cast(at_risk.outage_count as {{ dbt.type_bigint() }}) as outage_count,
        cast(at_risk.outage_minutes as {{ dbt.type_bigint() }}) as outage_minutes,
        cast(at_risk.throttle_rate as {{ dbt.type_float() }}) as throttle_rate,
        cast(at_risk.usage_change_rate as {{ dbt.type_float() }}) as usage_change_rate,
        cast(at_risk.csat_average as {{ dbt.type_float() }}) as csat_average,
        -- Each sign present adds "; <words>"; the leading separator is cut off.
        substring(
            {{ dbt.concat([
                "case when at_risk.has_outage_exposure then " ~ dbt.concat([
                    "'; '", "cast(at_risk.outage_count as " ~ dbt.type_string() ~ ")", "' outage(s), '",
                    "cast(at_risk.outage_minutes as " ~ dbt.type_string() ~ ")", "' min'"]) ~ " else '' end",
                "case when at_risk.has_usage_decline then " ~ dbt.concat([
                    "'; usage '", "cast(round(cast(at_risk.usage_change_rate * 100 as " ~ dbt.type_numeric()
                    ~ "), 0) as " ~ dbt.type_string() ~ ")", "'% vs the window before'"]) ~ " else '' end",
                "case when at_risk.has_low_csat then " ~ dbt.concat([
                    "'; CSAT '", "cast(round(cast(at_risk.csat_average as " ~ dbt.type_numeric() ~ "), 1) as "
                    ~ dbt.type_string() ~ ")"]) ~ " else '' end",
                "case when at_risk.is_throttled then " ~ dbt.concat([
                    "'; '", "cast(round(cast(at_risk.throttle_rate * 100 as " ~ dbt.type_numeric() ~ "), 1) as "
                    ~ dbt.type_string() ~ ")", "'% of requests throttled'"]) ~ " else '' end",
                "case when at_risk.is_renewal_due then " ~ dbt.concat([
                    "'; renewal '", "cast(at_risk.next_renewal_date as " ~ dbt.type_string() ~ ")"])
                    ~ " else '' end",
            ]) }},
            3
        ) as evidence,
        (select latest_week.week_start_date from latest_week) as as_of_week_start_date
    from at_risk
    inner join accounts
        on at_risk.account_id = accounts.account_id
    left join users
        on accounts.owner_user_id = users.user_id

)

select * from final
