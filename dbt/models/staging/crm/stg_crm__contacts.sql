with

contacts as (

    select * from {{ ref('base_crm__contacts') }}
    where is_latest_version and dq_reason_code is null

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
        batch_id,
        loaded_at
    from contacts

)

select * from final
