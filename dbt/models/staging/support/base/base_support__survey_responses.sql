{#- Every bronze survey response, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "response_id is null", "code": "null_key", "column": "response_id"},
    {"when": "survey_type is null", "code": "null_required", "column": "survey_type"},
    {"when": "score is null", "code": "null_required", "column": "score"},
    {"when": "responded_at is null", "code": "null_required", "column": "responded_at"},
] + plausible_date_checks(["responded_at"]) -%}
with

versions as (

    {{ bronze_versions(source('support', 'support_survey_responses'), 'response_id', version_column=none) }}

),

cleaned as (

    select
        response_id,
        account_id,
        contact_id,
        ticket_id,
        {{ canonical_value('survey_type', ['CSAT', 'NPS']) }} as survey_type,
        score,
        {{ to_utc_timestamp('responded_at') }} as responded_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
