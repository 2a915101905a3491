with

api_events as (

    select * from {{ ref('base_product__api_events') }}
    where is_accepted_version

),

final as (

    select
        event_id,
        account_id,
        event_at,
        event_date,
        endpoint,
        model_name,
        token_count,
        latency_ms,
        status_code,
        region,
        status_code >= 200 and status_code < 300 as is_success,
        status_code = 429 as is_throttled,
        status_code >= 500 as is_server_error,
        batch_id,
        loaded_at
    from api_events

)

select * from final
