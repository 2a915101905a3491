with

source as (

    select * from {{ source('crm', 'crm_leads') }}

),

latest_version as (

    select
        *,
        row_number() over (
            partition by lead_id
            order by updated_at desc, _loaded_at desc, _batch_id desc
        ) as version_rank
    from source
    where lead_id is not null

),

renamed as (

    select
        lead_id,
        account_id,
        nullif(lower(trim(email)), '') as email,
        trim(lead_source) as lead_source,
        trim(status) as lead_status,
        {{ to_utc_timestamp("nullif(trim(form_submitted_at), '')") }} as form_submitted_at,
        cast(nullif(trim(predicted_value), '') as {{ dbt.type_numeric() }}) as predicted_monthly_value_amount,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _batch_id as batch_id,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at
    from latest_version
    where version_rank = 1

),

final as (

    select
        *,
        -- The case study's rule: a lead is Inbound when it came through a web form.
        case when form_submitted_at is not null then 'Inbound' else 'Outbound' end as channel,
        lead_status = 'Converted' as is_converted
    from renamed

)

select * from final
