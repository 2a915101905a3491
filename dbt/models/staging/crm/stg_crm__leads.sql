with

leads as (

    select * from {{ ref('base_crm__leads') }}
    where dq_reason_code is null

),

renamed as (

    select
        lead_id,
        contact_id,
        account_id,
        owner_user_id,
        lower(trim(email)) as email,
        trim(lead_source) as lead_source,
        {{ canonical_value('status', ['New', 'Working', 'Demo Set', 'Sales Nurture', 'Converted', 'Not Interested',
                                      'Disqualified', 'Incorrect Contact Data']) }} as lead_status,
        {{ clean_timestamp_text('form_submitted_at') }} as form_submitted_at,
        {{ clean_timestamp_text('first_call_at') }} as first_call_at,
        {{ clean_timestamp_text('first_text_at') }} as first_text_at,
        {{ clean_timestamp_text('first_email_at') }} as first_email_at,
        {{ clean_timestamp_text('last_activity_at') }} as last_activity_at,
        coalesce(call_count, 0) as call_count,
        coalesce(text_count, 0) as text_count,
        coalesce(email_count, 0) as email_count,
        {{ normalise_list('touch_channels') }} as touch_channels,
        coalesce(is_decision_maker_connected, false) as is_decision_maker_connected,
        {{ parse_amount('predicted_value') }} as predicted_monthly_value_amount,
        converted_opportunity_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _batch_id as batch_id,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at
    from leads

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
