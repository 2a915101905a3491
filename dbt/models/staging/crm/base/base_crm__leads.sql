{#- Every bronze version of every lead, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "lead_id is null", "code": "null_key", "column": "lead_id"},
    {"when": "created_at is null", "code": "null_required", "column": "created_at"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "email is null", "code": "null_required", "column": "email"},
    {"when": "not " ~ regexp_like("email", email_pattern()), "code": "malformed_email", "column": "email"},
    {"when": "predicted_value_text is not null and predicted_monthly_value_amount is null",
     "code": "unparseable_value", "column": "predicted_value"},
    {"when": "predicted_monthly_value_amount < 0", "code": "negative_amount", "column": "predicted_value"},
    {"when": "form_submitted_text is not null and form_submitted_at is null",
     "code": "unparseable_value", "column": "form_submitted_at"},
    {"when": "first_call_text is not null and first_call_at is null",
     "code": "unparseable_value", "column": "first_call_at"},
    {"code": "orphan_fk", "column": "account_id", "parent": source('crm', 'crm_accounts')},
] + plausible_date_checks([
    "created_at", "first_call_at", "first_email_at", "first_text_at", "form_submitted_at", "last_activity_at",
    "updated_at",
]) -%}
with

versions as (

    {{ bronze_versions(source('crm', 'crm_leads'), 'lead_id') }}

),

cleaned as (

    select
        lead_id,
        contact_id,
        account_id,
        owner_user_id,
        {{ clean_email('email') }} as email,
        trim(lead_source) as lead_source,
        {{ canonical_value('status', ['New', 'Working', 'Demo Set', 'Sales Nurture', 'Converted', 'Not Interested',
                                      'Disqualified', 'Incorrect Contact Data']) }} as lead_status,
        nullif(trim(form_submitted_at), '') as form_submitted_text,
        {{ clean_timestamp_text('form_submitted_at') }} as form_submitted_at,
        nullif(trim(first_call_at), '') as first_call_text,
        {{ clean_timestamp_text('first_call_at') }} as first_call_at,
        {{ clean_timestamp_text('first_text_at') }} as first_text_at,
        {{ clean_timestamp_text('first_email_at') }} as first_email_at,
        {{ clean_timestamp_text('last_activity_at') }} as last_activity_at,
        coalesce(call_count, 0) as call_count,
        coalesce(text_count, 0) as text_count,
        coalesce(email_count, 0) as email_count,
        {{ normalise_list('touch_channels') }} as touch_channels,
        coalesce(is_decision_maker_connected, false) as is_decision_maker_connected,
        nullif(trim(predicted_value), '') as predicted_value_text,
        {{ parse_amount('predicted_value') }} as predicted_monthly_value_amount,
        converted_opportunity_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
