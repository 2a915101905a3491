{{
    config(
        indexes=[
            {'columns': ['account_id', 'week_start_date'], 'unique': true},
            {'columns': ['week_start_date']},
        ],
    )
}}
{#- The O2R panel: one row per account per Monday-start week, from the account's first observed week (first
    recognised revenue, API request or sign-up inside the observed window) to the as-of week. It joins what the
    account experienced (errors, latency, throttling, outages, tickets), what it did (requests, tokens, CSAT
    answers) and what it paid (recognised revenue, committed MRR and its change). Weeks come from each event's
    own timestamp: incidents by start, tickets by creation, surveys by response, revenue by service days. -#}
with

accounts as (

    select * from {{ ref('dim_account') }}

),

weekly_revenue as (

    select * from {{ ref('int_billing__account_weekly_revenue') }}

),

weekly_usage as (

    select * from {{ ref('int_product__account_weekly_usage') }}

),

subscription_versions as (

    select * from {{ ref('int_billing__subscription_versions') }}
    where is_in_force

),

plans as (

    select * from {{ ref('plans') }}

),

incidents as (

    select
        *,
        {{ week_start('cast(started_at as date)') }} as week_start_date
    from {{ ref('stg_product__incidents') }}

),

tickets as (

    select
        *,
        {{ week_start('cast(created_at as date)') }} as week_start_date
    from {{ ref('stg_support__tickets') }}

),

csat_responses as (

    select
        *,
        {{ week_start('cast(responded_at as date)') }} as week_start_date
    from {{ ref('stg_support__survey_responses') }}
    where survey_type = 'CSAT'

),

weeks as (

    select distinct week_start_date
    from {{ ref('dim_date') }}

),

-- The observed window opens with the first week that has API events or recognised revenue; sign-ups from the
-- first API event on can be followed from their first day (adoption, time to value).
observed_window as (

    select
        min(first_week_start_date) as first_week_start_date,
        {{ week_start(as_of_date()) }} as last_week_start_date,
        (select cast(min(weekly_usage.first_event_at) as date) from weekly_usage) as first_event_date
    from (
        select min(week_start_date) as first_week_start_date from weekly_usage
        union all
        select min(week_start_date) from weekly_revenue
    ) as firsts

),

account_firsts as (

    select
        account_id,
        min(week_start_date) as first_week_start_date,
        max(serving_region) as serving_region
    from (
        select
            account_id,
            week_start_date,
            cast(null as {{ dbt.type_string() }}) as serving_region
        from weekly_revenue
        where revenue_amount > 0
        union all
        select
            account_id,
            week_start_date,
            serving_region
        from weekly_usage
        union all
        -- Sign-ups inside the window start the panel even before any revenue or traffic.
        select
            account_id,
            {{ week_start('first_subscription_date') }} as week_start_date,
            cast(null as {{ dbt.type_string() }}) as serving_region
        from accounts
        where first_subscription_date >= (select observed_window.first_week_start_date from observed_window)
    ) as observed
    group by account_id

),

account_weeks as (

    select
        account_firsts.account_id,
        account_firsts.serving_region as account_serving_region,
        weeks.week_start_date,
        cast({{ dbt.dateadd('day', 7, 'weeks.week_start_date') }} as date) as next_week_start_date
    from account_firsts
    cross join observed_window
    inner join weeks
        on account_firsts.first_week_start_date <= weeks.week_start_date
            and observed_window.first_week_start_date <= weeks.week_start_date
            and observed_window.last_week_start_date >= weeks.week_start_date

),

-- Committed MRR and plan of the subscription versions in force at the end of the week.
committed as (

    select
        account_weeks.account_id,
        account_weeks.week_start_date,
        sum(subscription_versions.mrr_amount) as committed_mrr_amount,
        max(plans.plan_tier) as top_plan_tier,
        max(plans.included_tokens_monthly) as included_tokens_monthly
    from account_weeks
    inner join subscription_versions
        on account_weeks.account_id = subscription_versions.account_id
            and account_weeks.next_week_start_date > subscription_versions.valid_from
            and (
                subscription_versions.valid_to is null
                or account_weeks.next_week_start_date <= subscription_versions.valid_to
            )
    left join plans
        on subscription_versions.plan_name = plans.plan_name
    group by account_weeks.account_id, account_weeks.week_start_date

),

-- Incidents hit an account when they were global or hit the region its traffic is served from.
account_incidents as (

    select
        account_weeks.account_id,
        account_weeks.week_start_date,
        count(*) as incident_count,
        sum(case when incidents.downtime_minutes > 0 then 1 else 0 end) as outage_count,
        sum(coalesce(incidents.downtime_minutes, 0)) as outage_minutes
    from (
        select
            account_weeks.account_id,
            account_weeks.week_start_date,
            coalesce(weekly_usage.serving_region, account_weeks.account_serving_region) as serving_region
        from account_weeks
        left join weekly_usage
            on account_weeks.account_id = weekly_usage.account_id
                and account_weeks.week_start_date = weekly_usage.week_start_date
    ) as account_weeks
    inner join incidents
        on account_weeks.week_start_date = incidents.week_start_date
            and {{ o2r_incident_hits('incidents', 'account_weeks') }}
    group by account_weeks.account_id, account_weeks.week_start_date

),

account_tickets as (

    select
        account_id,
        week_start_date,
        count(*) as ticket_count,
        sum(
            case
                when incident_id is not null or ticket_category in ('error', 'latency', 'throttling') then 1
                else 0
            end
        ) as platform_ticket_count,
        sum(case when is_resolved then 1 else 0 end) as resolved_ticket_count,
        sum(case when is_resolved then resolution_hours else 0 end) as resolution_hours_total
    from tickets
    group by account_id, week_start_date

),

account_csat as (

    select
        account_id,
        week_start_date,
        count(*) as csat_response_count,
        sum(score) as csat_score_total
    from csat_responses
    group by account_id, week_start_date

),

joined as (

    select
        account_weeks.account_id,
        account_weeks.week_start_date,
        accounts.account_name,
        accounts.segment,
        coalesce(plans.plan_name, accounts.current_plan_name) as plan_name,
        coalesce(weekly_usage.serving_region, account_weeks.account_serving_region) as serving_region,
        accounts.first_subscription_date as signup_date,
        coalesce(weekly_revenue.subscription_revenue_amount, 0) as subscription_revenue_amount,
        coalesce(weekly_revenue.usage_revenue_amount, 0) as usage_revenue_amount,
        coalesce(weekly_revenue.revenue_amount, 0) as revenue_amount,
        coalesce(weekly_revenue.billed_revenue_amount, 0) as billed_revenue_amount,
        coalesce(weekly_revenue.unbilled_usage_revenue_amount, 0) as unbilled_usage_revenue_amount,
        committed.committed_mrr_amount,
        committed.included_tokens_monthly,
        coalesce(weekly_usage.request_count, 0) as request_count,
        coalesce(weekly_usage.token_count, 0) as token_count,
        coalesce(weekly_usage.error_request_count, 0) as error_request_count,
        coalesce(weekly_usage.throttled_request_count, 0) as throttled_request_count,
        coalesce(weekly_usage.server_error_request_count, 0) as server_error_request_count,
        weekly_usage.p99_latency_ms,
        coalesce(account_incidents.incident_count, 0) as incident_count,
        coalesce(account_incidents.outage_count, 0) as outage_count,
        coalesce(account_incidents.outage_minutes, 0) as outage_minutes,
        coalesce(account_tickets.ticket_count, 0) as ticket_count,
        coalesce(account_tickets.platform_ticket_count, 0) as platform_ticket_count,
        coalesce(account_tickets.resolved_ticket_count, 0) as resolved_ticket_count,
        coalesce(account_tickets.resolution_hours_total, 0) as resolution_hours_total,
        coalesce(account_csat.csat_response_count, 0) as csat_response_count,
        cast(coalesce(account_csat.csat_score_total, 0) as {{ dbt.type_bigint() }}) as csat_score_total
    from account_weeks
    inner join accounts
        on account_weeks.account_id = accounts.account_id
    left join weekly_revenue
        on account_weeks.account_id = weekly_revenue.account_id
            and account_weeks.week_start_date = weekly_revenue.week_start_date
    left join weekly_usage
        on account_weeks.account_id = weekly_usage.account_id
            and account_weeks.week_start_date = weekly_usage.week_start_date
    left join committed
        on account_weeks.account_id = committed.account_id
            and account_weeks.week_start_date = committed.week_start_date
    left join plans
        on committed.top_plan_tier = plans.plan_tier
    left join account_incidents
        on account_weeks.account_id = account_incidents.account_id
            and account_weeks.week_start_date = account_incidents.week_start_date
    left join account_tickets
        on account_weeks.account_id = account_tickets.account_id
            and account_weeks.week_start_date = account_tickets.week_start_date
    left join account_csat
        on account_weeks.account_id = account_csat.account_id
            and account_weeks.week_start_date = account_csat.week_start_date

),

final as (

    select
        {{ dbt_utils.generate_surrogate_key(['account_id', 'week_start_date']) }} as account_week_id,
        account_id,
        week_start_date,
        account_name,
        segment,
        plan_name,
        serving_region,
        signup_date,
        signup_date >= week_start_date
        and signup_date < {{ dbt.dateadd('day', 7, 'week_start_date') }} as is_signup_week,
        coalesce(
            signup_date >= week_start_date
            and signup_date < {{ dbt.dateadd('day', 7, 'week_start_date') }}
            and signup_date >= (select observed_window.first_event_date from observed_window),
            false
        ) as is_observed_signup_week,
        cast(subscription_revenue_amount as {{ type_money() }}) as subscription_revenue_amount,
        cast(usage_revenue_amount as {{ type_money() }}) as usage_revenue_amount,
        cast(revenue_amount as {{ type_money() }}) as revenue_amount,
        cast(billed_revenue_amount as {{ type_money() }}) as billed_revenue_amount,
        cast(unbilled_usage_revenue_amount as {{ type_money() }}) as unbilled_usage_revenue_amount,
        revenue_amount > 0 as is_active,
        coalesce(
            lag(revenue_amount > 0) over (partition by account_id order by week_start_date), false
        ) as was_active_previous_week,
        coalesce(
            lag(revenue_amount > 0, {{ var('o2r_book_span_weeks') }}) over (
                partition by account_id order by week_start_date
            ),
            false
        ) as was_active_span_start_week,
        cast(committed_mrr_amount as {{ type_money() }}) as committed_mrr_amount,
        cast(
            committed_mrr_amount
            - lag(committed_mrr_amount) over (partition by account_id order by week_start_date)
            as {{ type_money() }}
        ) as committed_mrr_change_amount,
        cast(committed_mrr_amount * 12 as {{ type_money() }}) as arr_amount,
        request_count,
        token_count,
        lag(token_count) over (partition by account_id order by week_start_date) as previous_week_token_count,
        lag(token_count, {{ var('o2r_book_span_weeks') }}) over (
            partition by account_id order by week_start_date
        ) as span_start_week_token_count,
        error_request_count,
        throttled_request_count,
        server_error_request_count,
        cast(error_request_count as {{ dbt.type_float() }}) / nullif(request_count, 0) as error_rate,
        cast(throttled_request_count as {{ dbt.type_float() }}) / nullif(request_count, 0) as throttle_rate,
        p99_latency_ms,
        cast(included_tokens_monthly * 12 / 52.0 as {{ dbt.type_float() }}) as weekly_token_allowance,
        cast(token_count as {{ dbt.type_float() }})
        / nullif(included_tokens_monthly * 12 / 52.0, 0) as token_allowance_utilisation_rate,
        incident_count,
        outage_count,
        outage_minutes,
        ticket_count,
        platform_ticket_count,
        resolved_ticket_count,
        cast(resolution_hours_total as {{ dbt.type_float() }}) as resolution_hours_total,
        csat_response_count,
        csat_score_total,
        outage_minutes > 0
        or coalesce(
            cast(throttled_request_count as {{ dbt.type_numeric() }}) / nullif(request_count, 0), 0
        ) >= {{ var('o2r_throttle_exposure_rate') }} as is_reliability_exposed
    from joined

)

select * from final
