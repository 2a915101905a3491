{#- One row per contact, PII minimised for BI: a hashed email (joinable, not readable), the email's domain,
    no names and no phone. -#}
with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

final as (

    select
        contact_id,
        account_id,
        {{ dbt.hash('email') }} as email_hash,
        {{ dbt.split_part('email', "'@'", 2) }} as email_domain,
        title,
        is_decision_maker,
        created_at
    from contacts

)

select * from final
