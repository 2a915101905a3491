with

tickets as (

    select * from {{ ref('base_support__tickets') }}
    where is_accepted_version

),

final as (

    select
        ticket_id,
        account_id,
        contact_id,
        incident_id,
        ticket_category,
        ticket_priority,
        created_at,
        resolved_at,
        is_resolved,
        resolution_hours,
        updated_at,
        has_quarantined_update,
        incident_id is not null as is_incident_related,
        batch_id,
        loaded_at
    from tickets

)

select * from final
