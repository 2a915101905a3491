{#- Every bronze daily ad spend row, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "spend_id is null", "code": "null_key", "column": "spend_id"},
    {"when": "spend_date is null", "code": "null_required", "column": "spend_date"},
    {"when": "campaign_id is null", "code": "null_required", "column": "campaign_id"},
    {"when": "spend_amount is null", "code": "null_required", "column": "spend_amount"},
    {"when": "spend_amount < 0", "code": "negative_amount", "column": "spend_amount"},
] + plausible_date_checks(["spend_date"]) -%}
with

versions as (

    {{ bronze_versions(source('spend', 'spend_ad_daily'), 'spend_id', version_column=none) }}

),

cleaned as (

    select
        spend_id,
        cast(spend_date as date) as spend_date,
        {{ canonical_value('channel', ['Website', 'Paid Search', 'Webinar', 'Event', 'Paid Social', 'Email']) }}
            as channel,
        trim(campaign_id) as campaign_id,
        {{ mask_pii('trim(campaign_name)') }} as campaign_name,
        coalesce(impressions, 0) as impressions,
        coalesce(clicks, 0) as click_count,
        cast(spend_amount as {{ type_money() }}) as spend_amount,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
