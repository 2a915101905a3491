{#- O2R product-performance metrics (P.1-P.7, throttle rate, resource utilisation) per Monday-start week, for
    the whole base and cut by segment and by plan (one row per week x cut value, zero-filled). Requests are
    placed in weeks by their own timestamp, incidents by their start, tickets by their creation; an account
    belongs to the cut of its panel row for that week (fct_account_weekly). -#}
with

{{ o2r_weekly_frame() }},

weekly_usage as (

    select * from {{ ref('int_product__account_weekly_usage') }}

),

incidents as (

    select
        *,
        {{ week_start('cast(started_at as date)') }} as week_start_date
    from {{ ref('stg_product__incidents') }}

),

events as (

    select
        account_id,
        latency_ms,
        {{ week_start('event_date') }} as week_start_date
    from {{ ref('stg_product__api_events') }}

),

weekly as (

    select
        cut_name,
        cut_value,
        week_start_date,
        cast(sum(request_count) as {{ dbt.type_bigint() }}) as request_count,
        cast(sum(error_request_count) as {{ dbt.type_bigint() }}) as error_request_count,
        cast(sum(throttled_request_count) as {{ dbt.type_bigint() }}) as throttled_request_count,
        cast(sum(server_error_request_count) as {{ dbt.type_bigint() }}) as server_error_request_count,
        sum(case when is_active then 1 else 0 end) as active_account_count,
        avg(case when is_active then cast(outage_minutes as {{ dbt.type_numeric() }}) end)
            as average_outage_minutes,
        cast(sum(ticket_count) as {{ dbt.type_bigint() }}) as ticket_count,
        cast(sum(platform_ticket_count) as {{ dbt.type_bigint() }}) as platform_ticket_count,
        cast(sum(resolved_ticket_count) as {{ dbt.type_bigint() }}) as resolved_ticket_count,
        sum(resolution_hours_total) as resolution_hours_total,
        {{ percentile_cont('case when is_active then token_allowance_utilisation_rate end', 0.5) }}
            as p50_token_allowance_utilisation_rate,
        {{ percentile_cont('case when is_active then token_allowance_utilisation_rate end', 0.9) }}
            as p90_token_allowance_utilisation_rate,
        max(case when is_active then token_allowance_utilisation_rate end) as peak_token_allowance_utilisation_rate
    from panel_cuts
    group by cut_name, cut_value, week_start_date

),

-- Latency percentiles need the requests themselves (percentiles of account percentiles are not percentiles).
event_accounts as (

    select
        events.week_start_date,
        events.latency_ms,
        panel.segment,
        panel.plan_name
    from events
    inner join panel
        on events.account_id = panel.account_id
            and events.week_start_date = panel.week_start_date

),

event_cuts as (

    {{ segment_and_plan_cuts('event_accounts') }}

),

latency as (

    select
        cut_name,
        cut_value,
        week_start_date,
        {{ percentile_cont('latency_ms', 0.5) }} as p50_latency_ms,
        {{ percentile_cont('latency_ms', 0.9) }} as p90_latency_ms,
        {{ percentile_cont('latency_ms', 0.99) }} as p99_latency_ms
    from event_cuts
    group by cut_name, cut_value, week_start_date

),

-- MTTR of a cut: the incidents started in the week that hit at least one of its accounts.
cut_incidents as (

    select distinct
        panel_cuts.cut_name,
        panel_cuts.cut_value,
        incidents.week_start_date,
        incidents.incident_id,
        incidents.duration_minutes
    from panel_cuts
    inner join incidents
        on panel_cuts.week_start_date = incidents.week_start_date
            and {{ o2r_incident_hits('incidents', 'panel_cuts') }}

),

recovery as (

    select
        cut_name,
        cut_value,
        week_start_date,
        count(*) as incident_count,
        avg(cast(duration_minutes as {{ dbt.type_numeric() }})) as mttr_minutes
    from cut_incidents
    group by cut_name, cut_value, week_start_date

),

-- P.1: sign-ups of the week inside the observed event window, and the days until their first request.
first_requests as (

    select
        account_id,
        cast(min(first_event_at) as date) as first_request_date
    from weekly_usage
    group by account_id

),

signups as (

    select
        panel_cuts.cut_name,
        panel_cuts.cut_value,
        panel_cuts.week_start_date,
        case
            when first_requests.first_request_date is not null
                then greatest(
                        0, {{ dbt.datediff('panel_cuts.signup_date', 'first_requests.first_request_date', 'day') }}
                    )
        end as days_to_first_request
    from panel_cuts
    left join first_requests
        on panel_cuts.account_id = first_requests.account_id
    where panel_cuts.is_observed_signup_week

),

time_to_value as (

    select
        cut_name,
        cut_value,
        week_start_date,
        count(*) as observed_signup_count,
        count(days_to_first_request) as activated_signup_count,
        {{ percentile_cont('days_to_first_request', 0.5) }} as p50_time_to_value_days,
        {{ percentile_cont('days_to_first_request', 0.9) }} as p90_time_to_value_days,
        max(days_to_first_request) as p100_time_to_value_days
    from signups
    group by cut_name, cut_value, week_start_date

),

final as (

    select
        grid.week_start_date,
        grid.cut_name,
        grid.cut_value,
        grid.is_complete_week,
        coalesce(weekly.request_count, 0) as request_count,
        coalesce(weekly.error_request_count, 0) as error_request_count,
        cast(weekly.error_request_count as {{ dbt.type_float() }}) / nullif(weekly.request_count, 0) as error_rate,
        coalesce(weekly.throttled_request_count, 0) as throttled_request_count,
        cast(weekly.throttled_request_count as {{ dbt.type_float() }}) / nullif(weekly.request_count, 0)
            as throttle_rate,
        cast(weekly.server_error_request_count as {{ dbt.type_float() }}) / nullif(weekly.request_count, 0)
            as server_error_rate,
        cast(latency.p50_latency_ms as {{ dbt.type_float() }}) as p50_latency_ms,
        cast(latency.p90_latency_ms as {{ dbt.type_float() }}) as p90_latency_ms,
        cast(latency.p99_latency_ms as {{ dbt.type_float() }}) as p99_latency_ms,
        coalesce(weekly.active_account_count, 0) as active_account_count,
        cast(weekly.average_outage_minutes as {{ dbt.type_float() }}) as average_outage_minutes,
        cast(greatest(0, 1 - weekly.average_outage_minutes / 10080.0) as {{ dbt.type_float() }}) as uptime_rate,
        coalesce(recovery.incident_count, 0) as incident_count,
        cast(recovery.mttr_minutes as {{ dbt.type_float() }}) as mttr_minutes,
        coalesce(weekly.ticket_count, 0) as ticket_count,
        coalesce(weekly.platform_ticket_count, 0) as platform_ticket_count,
        coalesce(weekly.resolved_ticket_count, 0) as resolved_ticket_count,
        cast(weekly.resolution_hours_total / nullif(weekly.resolved_ticket_count, 0) as {{ dbt.type_float() }})
            as average_resolution_hours,
        cast(weekly.p50_token_allowance_utilisation_rate as {{ dbt.type_float() }})
            as p50_token_allowance_utilisation_rate,
        cast(weekly.p90_token_allowance_utilisation_rate as {{ dbt.type_float() }})
            as p90_token_allowance_utilisation_rate,
        cast(weekly.peak_token_allowance_utilisation_rate as {{ dbt.type_float() }})
            as peak_token_allowance_utilisation_rate,
        coalesce(time_to_value.observed_signup_count, 0) as observed_signup_count,
        coalesce(time_to_value.activated_signup_count, 0) as activated_signup_count,
        cast(time_to_value.p50_time_to_value_days as {{ dbt.type_float() }}) as p50_time_to_value_days,
        cast(time_to_value.p90_time_to_value_days as {{ dbt.type_float() }}) as p90_time_to_value_days,
        cast(time_to_value.p100_time_to_value_days as {{ dbt.type_float() }}) as p100_time_to_value_days
    from grid
    left join weekly
        on grid.cut_name = weekly.cut_name
            and grid.cut_value = weekly.cut_value
            and grid.week_start_date = weekly.week_start_date
    left join latency
        on grid.cut_name = latency.cut_name
            and grid.cut_value = latency.cut_value
            and grid.week_start_date = latency.week_start_date
    left join recovery
        on grid.cut_name = recovery.cut_name
            and grid.cut_value = recovery.cut_value
            and grid.week_start_date = recovery.week_start_date
    left join time_to_value
        on grid.cut_name = time_to_value.cut_name
            and grid.cut_value = time_to_value.cut_value
            and grid.week_start_date = time_to_value.week_start_date

)

select * from final
