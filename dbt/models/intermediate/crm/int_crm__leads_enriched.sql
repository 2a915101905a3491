{#- One row per staged lead with what every lead mart needs: source group, account segment, the contact's
    decision-maker flag, speed to lead, touch totals and recency measured to the as-of date. -#}
with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

lead_sources as (

    select * from {{ ref('lead_sources') }}

),

first_touches as (

    select
        *,
        -- First outreach of any kind; least() ignores nulls only on some warehouses, so spell it out.
        case
            when first_call_at is not null
                and (first_text_at is null or first_call_at <= first_text_at)
                and (first_email_at is null or first_call_at <= first_email_at) then first_call_at
            when first_text_at is not null
                and (first_email_at is null or first_text_at <= first_email_at) then first_text_at
            else first_email_at
        end as first_contact_at
    from leads

),

enriched as (

    select
        first_touches.lead_id,
        first_touches.contact_id,
        first_touches.account_id,
        first_touches.owner_user_id,
        first_touches.channel,
        first_touches.lead_source,
        coalesce(lead_sources.source_group, 'Unmapped') as lead_source_group,
        first_touches.lead_status,
        first_touches.is_converted,
        first_touches.converted_opportunity_id,
        first_touches.form_submitted_at,
        first_touches.first_contact_at,
        case
            when first_touches.channel = 'Inbound' and first_touches.first_contact_at is not null
                then {{ dbt.datediff('first_touches.form_submitted_at', 'first_touches.first_contact_at', 'minute') }}
        end as speed_to_lead_minutes,
        first_touches.call_count,
        first_touches.text_count,
        first_touches.email_count,
        first_touches.call_count + first_touches.text_count + first_touches.email_count as touch_count,
        first_touches.touch_channel_count,
        first_touches.is_decision_maker_connected,
        coalesce(contacts.is_decision_maker, false) as is_contact_decision_maker,
        first_touches.predicted_monthly_value_amount,
        first_touches.last_activity_at,
        {{ dbt.datediff('cast(first_touches.last_activity_at as date)', as_of_date(), 'day') }}
            as days_since_last_activity,
        {{ dbt.datediff('cast(first_touches.created_at as date)', as_of_date(), 'day') }} as days_since_created,
        first_touches.created_at,
        accounts.segment as account_segment,
        accounts.region as account_region
    from first_touches
    left join accounts
        on first_touches.account_id = accounts.account_id
    left join contacts
        on first_touches.contact_id = contacts.contact_id
    left join lead_sources
        on first_touches.lead_source = lead_sources.lead_source

)

select * from enriched
