{{
    config(
        materialized=incremental_if_supported(),
        unique_key=['account_id', 'usage_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['account_id', 'usage_date'], 'unique': true}],
    )
}}
{#- API usage per account per day: requests, tokens, errors by class, throttling and latency percentiles.
    Incremental runs recompute exactly the (account, day) pairs that received rows since the last run (minus
    the lookback), from all of that day's events, so late-arriving events land in the right day. -#}
with

events as (

    select * from {{ ref('stg_product__api_events') }}

),

events_to_aggregate as (

    {{ rows_of_changed_groups('events', ['account_id', 'event_date']) }}

),

daily as (

    select
        account_id,
        event_date as usage_date,
        count(*) as request_count,
        sum(token_count) as token_count,
        sum(case when status_code < 400 then 1 else 0 end) as success_request_count,
        sum(case when status_code = 429 then 1 else 0 end) as throttled_request_count,
        sum(case when status_code >= 400 and status_code < 500 and status_code <> 429 then 1 else 0 end)
            as client_error_count,
        sum(case when status_code >= 500 then 1 else 0 end) as server_error_count,
        avg(latency_ms) as avg_latency_ms,
        {{ percentile_cont('latency_ms', 0.5) }} as p50_latency_ms,
        {{ percentile_cont('latency_ms', 0.95) }} as p95_latency_ms,
        {{ percentile_cont('latency_ms', 0.99) }} as p99_latency_ms,
        max(loaded_at) as last_loaded_at
    from events_to_aggregate
    group by account_id, event_date

)

select
    account_id,
    usage_date,
    request_count,
    token_count,
    success_request_count,
    throttled_request_count,
    client_error_count,
    server_error_count,
    cast(avg_latency_ms as {{ dbt.type_numeric() }}) as avg_latency_ms,
    cast(p50_latency_ms as {{ dbt.type_numeric() }}) as p50_latency_ms,
    cast(p95_latency_ms as {{ dbt.type_numeric() }}) as p95_latency_ms,
    cast(p99_latency_ms as {{ dbt.type_numeric() }}) as p99_latency_ms,
    last_loaded_at
from daily
