with

leads as (

    select * from {{ ref('base_crm__leads') }}
    where is_accepted_version

),

final as (

    select
        lead_id,
        contact_id,
        account_id,
        owner_user_id,
        email,
        lead_source,
        lead_status,
        form_submitted_at,
        first_call_at,
        first_text_at,
        first_email_at,
        last_activity_at,
        call_count,
        text_count,
        email_count,
        touch_channels,
        {{ list_length('touch_channels') }} as touch_channel_count,
        is_decision_maker_connected,
        predicted_monthly_value_amount,
        converted_opportunity_id,
        -- The case study's rule: a lead is Inbound when it came through a web form.
        case when form_submitted_at is not null then 'Inbound' else 'Outbound' end as channel,
        lead_status = 'Converted' as is_converted,
        created_at,
        updated_at,
        has_quarantined_update,
        batch_id,
        loaded_at
    from leads

)

select * from final
