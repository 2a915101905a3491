with

contacts as (

    select * from {{ ref('base_crm__contacts') }}
    where is_accepted_version

),

final as (

    select
        contact_id,
        account_id,
        first_name,
        last_name,
        title,
        is_decision_maker,
        email,
        phone,
        created_at,
        updated_at,
        has_quarantined_update,
        batch_id,
        loaded_at
    from contacts

)

select * from final
