{#
    The quarantine: one ordered list of checks per base model renders dq_reason_code and dq_column (the
    first failing check wins), so each rule is written once. Each check is
    {"when": <SQL condition on cleaned columns>, "code": <reason code>, "column": <bronze column>}.
    Orphan checks name their parent instead (see check_condition); quarantine_checked adds the joins.
    Order: null_key, then the row's own checks, then orphan_fk last: a row's own defect is the stable reason,
    while an unknown parent may still arrive in a later load.
#}
{% macro dq_reason_columns(checks) -%}
    {#- Orphan checks go last whatever list they were concatenated from (see the header). -#}
    {%- set checks = (checks | rejectattr('parent', 'defined') | list)
        + (checks | selectattr('parent', 'defined') | list) -%}
    case
    {%- for check in checks %}
        when {{ check_condition(check) }} then '{{ check.code }}'
    {%- endfor %}
    end as dq_reason_code,
    case
    {%- for check in checks %}
        when {{ check_condition(check) }} then '{{ check.column }}'
    {%- endfor %}
    end as dq_column
{%- endmacro %}

{#- A check's SQL condition. An orphan check names its parent instead of a condition:
    {"code": "orphan_fk", "column": <fk column>, "parent": <bronze relation>, "parent_key": <key, default column>}
    fails when the value is set but the parent's source never sent that key. -#}
{% macro check_condition(check) -%}
    {%- if check.parent is defined -%}
        {%- set parent_key = 'parent_' ~ check.column ~ '.known_' ~ (check.parent_key | default(check.column)) -%}
        ({{ check.column }} is not null and {{ parent_key }} is null)
    {%- else -%}
        {{ check.when }}
    {%- endif -%}
{%- endmacro %}

{#- The body of a base model's `checked` CTE: every row of `from_cte` with its dq_reason_code and dq_column,
    joined to the keys of each parent an orphan check names. -#}
{% macro quarantine_checked(checks, from_cte='cleaned') -%}
    select
        {{ from_cte }}.*,
        {{ dq_reason_columns(checks) }}
    from {{ from_cte }}
    {%- for check in checks if check.parent is defined %}
    {%- set key = check.parent_key | default(check.column) %}
    left join ({{ known_keys(check.parent, key) }}) as parent_{{ check.column }}
        on {{ from_cte }}.{{ check.column }} = parent_{{ check.column }}.known_{{ key }}
    {%- endfor %}
{%- endmacro %}

{#- Checks quarantining dates outside [plausible_date_min, plausible_date_max] (vars): year 1 BC or 10000
    parse, but no business event of this warehouse happened then. ``columns`` maps each cleaned column to the
    bronze column it comes from (a list when the names are the same). -#}
{% macro plausible_date_checks(columns) -%}
    {%- set pairs = columns.items() if columns is mapping else zip(columns, columns) -%}
    {%- set low = "cast('" ~ var('plausible_date_min') ~ "' as date)" -%}
    {%- set high = "cast('" ~ var('plausible_date_max') ~ "' as date)" -%}
    {%- set checks = [] -%}
    {%- for cleaned, bronze in pairs -%}
        {%- do checks.append({
            "when": "(" ~ cleaned ~ " < " ~ low ~ " or " ~ cleaned ~ " >= " ~ high ~ " + 1)",
            "code": "implausible_date",
            "column": bronze,
        }) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}

{#- The reason codes a quarantined row can carry (dq_rejected_rows tests against this list). -#}
{% macro dq_reason_codes() -%}
    {{ return([
        'null_key', 'null_required', 'orphan_fk', 'negative_amount', 'future_timestamp',
        'malformed_email', 'unparseable_value', 'implausible_date',
    ]) }}
{%- endmacro %}

{#- Every base model and the bronze table it checks, by source system. -#}
{% macro quarantined_tables() -%}
    {%- set crm = [
        {"source_table": "crm_accounts", "base_model": "base_crm__accounts", "key": "account_id"},
        {"source_table": "crm_leads", "base_model": "base_crm__leads", "key": "lead_id"},
        {"source_table": "crm_users", "base_model": "base_crm__users", "key": "user_id"},
        {"source_table": "crm_contacts", "base_model": "base_crm__contacts", "key": "contact_id"},
        {"source_table": "crm_opportunities", "base_model": "base_crm__opportunities", "key": "opportunity_id"},
        {"source_table": "crm_opportunity_stage_history", "base_model": "base_crm__opportunity_stage_history",
         "key": "stage_history_id"},
        {"source_table": "crm_activities", "base_model": "base_crm__activities", "key": "activity_id"},
    ] -%}
    {%- set marketing = [
        {"source_table": "marketing_touches", "base_model": "base_marketing__marketing_touches", "key": "touch_id"},
        {"source_table": "sales_touches", "base_model": "base_marketing__sales_touches", "key": "touch_id"},
    ] -%}
    {%- set spend = [
        {"source_table": "spend_ad_daily", "base_model": "base_spend__ad_daily", "key": "spend_id"},
        {"source_table": "spend_team_monthly", "base_model": "base_spend__team_monthly", "key": "team_month_id"},
    ] -%}
    {%- set billing = [
        {"source_table": "billing_subscriptions", "base_model": "base_billing__subscriptions",
         "key": "subscription_id"},
        {"source_table": "billing_invoices", "base_model": "base_billing__invoices", "key": "invoice_id"},
        {"source_table": "billing_usage_charges", "base_model": "base_billing__usage_charges",
         "key": "usage_charge_id"},
    ] -%}
    {%- set product = [
        {"source_table": "product_api_events", "base_model": "base_product__api_events", "key": "event_id"},
        {"source_table": "product_incidents", "base_model": "base_product__incidents", "key": "incident_id"},
    ] -%}
    {%- set support = [
        {"source_table": "support_tickets", "base_model": "base_support__tickets", "key": "ticket_id"},
        {"source_table": "support_survey_responses", "base_model": "base_support__survey_responses",
         "key": "response_id"},
    ] -%}
    {{ return(crm + marketing + spend + billing + product + support) }}
{%- endmacro %}

{#- The keys a parent table's source ever sent, as known_<key>: a foreign key not among them is orphan_fk.
    Checked against bronze (not staging) so a quarantined parent does not orphan its children. -#}
{% macro known_keys(relation, key) -%}
    select distinct {{ key }} as known_{{ key }}
    from {{ relation }}
    where {{ key }} is not null
{%- endmacro %}
