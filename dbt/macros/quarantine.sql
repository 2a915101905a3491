{#
    The quarantine: one ordered list of checks per base model renders dq_reason_code and dq_column (the
    first failing check wins), so each rule is written once. Each check is
    {"when": <SQL condition on cleaned columns>, "code": <reason code>, "column": <bronze column>}.
#}
{% macro dq_reason_columns(checks) -%}
    case
    {%- for check in checks %}
        when {{ check.when }} then '{{ check.code }}'
    {%- endfor %}
    end as dq_reason_code,
    case
    {%- for check in checks %}
        when {{ check.when }} then '{{ check.column }}'
    {%- endfor %}
    end as dq_column
{%- endmacro %}

{#- The reason codes a quarantined row can carry (dq_rejected_rows tests against this list). -#}
{% macro dq_reason_codes() -%}
    {{ return([
        'null_key', 'null_required', 'orphan_fk', 'negative_amount', 'future_timestamp',
        'malformed_email', 'unparseable_value',
    ]) }}
{%- endmacro %}

{#- Every base model and the bronze table it checks, by source system. -#}
{% macro quarantined_tables() -%}
    {%- set crm = [
        {"source_table": "crm_accounts", "base_model": "base_crm__accounts", "key": "account_id"},
        {"source_table": "crm_leads", "base_model": "base_crm__leads", "key": "lead_id"},
    ] -%}
    {%- set marketing = [] -%}
    {%- set spend = [] -%}
    {%- set billing = [] -%}
    {%- set product = [] -%}
    {%- set support = [] -%}
    {{ return(crm + marketing + spend + billing + product + support) }}
{%- endmacro %}
