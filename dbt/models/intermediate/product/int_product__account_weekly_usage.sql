{{
    config(
        materialized=incremental_if_supported(),
        unique_key=['account_id', 'week_start_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['account_id', 'week_start_date'], 'unique': true}],
    )
}}
{#- API usage per account per Monday-start week (from each request's own timestamp): requests, tokens,
    errors, throttling, latency percentiles and the serving region. Incremental runs recompute exactly the
    (account, week) pairs that received rows since the last run (minus the lookback), from all of that week's
    events, so late-arriving events land in the right week. -#}
with

events as (

    select
        *,
        {{ week_start('event_date') }} as week_start_date
    from {{ ref('stg_product__api_events') }}

),

events_to_aggregate as (

    {{ rows_of_changed_groups('events', ['account_id', 'week_start_date']) }}

),

weekly as (

    select
        account_id,
        week_start_date,
        count(*) as request_count,
        sum(token_count) as token_count,
        sum(case when status_code >= 400 then 1 else 0 end) as error_request_count,
        sum(case when status_code = 429 then 1 else 0 end) as throttled_request_count,
        sum(case when status_code >= 500 then 1 else 0 end) as server_error_request_count,
        {{ percentile_cont('latency_ms', 0.5) }} as p50_latency_ms,
        {{ percentile_cont('latency_ms', 0.9) }} as p90_latency_ms,
        {{ percentile_cont('latency_ms', 0.99) }} as p99_latency_ms,
        max(region) as serving_region,
        min(event_at) as first_event_at,
        max(loaded_at) as last_loaded_at
    from events_to_aggregate
    group by account_id, week_start_date

)

select
    account_id,
    week_start_date,
    request_count,
    token_count,
    error_request_count,
    throttled_request_count,
    server_error_request_count,
    cast(p50_latency_ms as {{ dbt.type_numeric() }}) as p50_latency_ms,
    cast(p90_latency_ms as {{ dbt.type_numeric() }}) as p90_latency_ms,
    cast(p99_latency_ms as {{ dbt.type_numeric() }}) as p99_latency_ms,
    serving_region,
    first_event_at,
    last_loaded_at
from weekly
