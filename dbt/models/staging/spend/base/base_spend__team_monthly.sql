{#- Every bronze monthly team pay row, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "team_month_id is null", "code": "null_key", "column": "team_month_id"},
    {"when": "month_start_date is null", "code": "null_required", "column": "month_start"},
    {"when": "team is null", "code": "null_required", "column": "team"},
    {"when": "salary_amount is null", "code": "null_required", "column": "salary_amount"},
    {"when": "salary_amount < 0", "code": "negative_amount", "column": "salary_amount"},
    {"when": "commission_amount < 0", "code": "negative_amount", "column": "commission_amount"},
] + plausible_date_checks({"month_start_date": "month_start"}) -%}
with

versions as (

    {{ bronze_versions(source('spend', 'spend_team_monthly'), 'team_month_id', version_column=none) }}

),

cleaned as (

    select
        team_month_id,
        cast(month_start as date) as month_start_date,
        nullif({{ canonical_value('team', ['Inbound Sales', 'Outbound Sales', 'Customer Success',
                                           'Sales Leadership']) }}, '') as team,
        nullif({{ canonical_value('channel', ['Inbound', 'Outbound']) }}, '') as channel,
        headcount,
        cast(salary_amount as {{ type_money() }}) as salary_amount,
        -- Teams without a commission plan may send no commission: that is zero pay, not unknown pay.
        cast(coalesce(commission_amount, 0) as {{ type_money() }}) as commission_amount,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
