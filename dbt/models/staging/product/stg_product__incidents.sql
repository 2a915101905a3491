with

incidents as (

    select * from {{ ref('base_product__incidents') }}
    where is_accepted_version

),

final as (

    select
        incident_id,
        incident_title,
        severity,
        incident_scope,
        affected_region,
        started_at,
        resolved_at,
        downtime_minutes,
        cast({{ dbt.datediff('started_at', 'resolved_at', 'minute') }} as {{ dbt.type_int() }}) as duration_minutes,
        severity = 'SEV1' as is_outage,
        batch_id,
        loaded_at
    from incidents

)

select * from final
