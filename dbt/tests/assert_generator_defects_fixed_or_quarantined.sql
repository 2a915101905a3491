{{ config(tags=['tier:full']) }}
{#-
    Every defect the generator injected (bronze._generator_defects) is accounted for:
      - repairable kinds: the staged value equals the clean value the generator started from;
      - quarantine kinds: the record is in dq_rejected_rows with the matching reason and column;
      - duplicate resends: the record is staged exactly once (or quarantined);
      - defects on a version that a newer bronze version replaced are superseded (staging keeps the newer one).
    Returns one row per defect that is none of these.
    Bronze loaded only from CSV exports has no defect manifest: then there is nothing to check.
-#}
{%- set repair_kinds = ['status_spelling', 'year_0024', 'mixed_timezone', 'currency_string',
                        'python_list_string', 'malformed_email'] -%}
{%- set quarantine_kinds = ['null_required', 'orphan_fk', 'negative_amount', 'future_timestamp'] -%}
{#- Per bronze table: its staging model and key, whether it is versioned by updated_at, and for each
    repairable column the staged column and the type the clean value is compared as. -#}
{%- set tables = {
    'crm_leads': {
        'source': 'crm', 'model': 'stg_crm__leads', 'key': 'lead_id', 'versioned': true,
        'columns': {
            'status': ('lead_status', 'text'),
            'form_submitted_at': ('form_submitted_at', 'timestamp'),
            'first_call_at': ('first_call_at', 'timestamp'),
            'predicted_value': ('predicted_monthly_value_amount', 'money'),
            'touch_channels': ('touch_channels', 'text'),
            'email': ('email', 'text'),
        },
    },
    'crm_opportunities': {
        'source': 'crm', 'model': 'stg_crm__opportunities', 'key': 'opportunity_id', 'versioned': true,
        'columns': {
            'stage': ('stage_name', 'text'),
            'amount': ('acv_amount', 'money'),
            'close_date': ('close_date', 'date'),
            'demo_held_at': ('demo_held_at', 'timestamp'),
        },
    },
    'crm_contacts': {
        'source': 'crm', 'model': 'stg_crm__contacts', 'key': 'contact_id', 'versioned': true,
        'columns': {
            'email': ('email', 'text'),
        },
    },
    'crm_accounts': {
        'source': 'crm', 'model': 'stg_crm__accounts', 'key': 'account_id', 'versioned': true,
        'columns': {
            'segment': ('segment', 'text'),
        },
    },
    'crm_activities': {
        'source': 'crm', 'model': 'stg_crm__activities', 'key': 'activity_id', 'versioned': false,
        'columns': {},
    },
    'marketing_touches': {
        'source': 'marketing', 'model': 'stg_marketing__marketing_touches', 'key': 'touch_id', 'versioned': false,
        'columns': {},
    },
    'sales_touches': {
        'source': 'marketing', 'model': 'stg_marketing__sales_touches', 'key': 'touch_id', 'versioned': false,
        'columns': {},
    },
    'spend_ad_daily': {
        'source': 'spend', 'model': 'stg_spend__ad_daily', 'key': 'spend_id', 'versioned': false,
        'columns': {},
    },
    'billing_subscriptions': {
        'source': 'billing', 'model': 'stg_billing__subscriptions', 'key': 'subscription_id', 'versioned': true,
        'columns': {},
    },
    'billing_invoices': {
        'source': 'billing', 'model': 'stg_billing__invoices', 'key': 'invoice_id', 'versioned': true,
        'columns': {
            'amount': ('invoice_amount', 'money'),
        },
    },
    'support_tickets': {
        'source': 'support', 'model': 'stg_support__tickets', 'key': 'ticket_id', 'versioned': true,
        'columns': {},
    },
    'product_api_events': {
        'source': 'product', 'model': 'stg_product__api_events', 'key': 'event_id', 'versioned': false,
        'columns': {},
    },
} -%}
{%- set types = {'text': dbt.type_string(), 'timestamp': dbt.type_timestamp(), 'date': 'date',
                 'money': type_money()} -%}
{%- set manifest = adapter.get_relation(database=target.database, schema=var('bronze_schema'),
                                        identifier='_generator_defects') if execute else none -%}
{%- if execute and manifest is none -%}
select 1 as no_defect_manifest
where 1 = 0
{%- else -%}
with

defects as (

    select * from {{ source('generator', 'generator_defects') }}

),

rejected as (

    select * from {{ ref('dq_rejected_rows') }}

),

{% for table_name, table in tables.items() %}
{{ table_name }}_defects as (

    select * from defects
    where table_name = '{{ table_name }}'

),

-- Only the records that carry a defect: the staging and bronze reads stay small.
{{ table_name }}_staged as (

    select
        cast({{ table.key }} as {{ dbt.type_string() }}) as record_key,
        {%- for column, (staged_column, kind) in table.columns.items() %}
        {{ staged_column }},
        {%- endfor %}
        count(*) over (partition by {{ table.key }}) as staged_rows
    from {{ ref(table.model) }}
    where cast({{ table.key }} as {{ dbt.type_string() }}) in (
            select table_defects.record_key from {{ table_name }}_defects as table_defects
        )

),

{%- if table.versioned %}

{{ table_name }}_latest_versions as (

    select
        cast({{ table.key }} as {{ dbt.type_string() }}) as record_key,
        max(updated_at) as latest_version_at
    from {{ source(table.source, table_name) }}
    where cast({{ table.key }} as {{ dbt.type_string() }}) in (
            select table_defects.record_key from {{ table_name }}_defects as table_defects
        )
    group by cast({{ table.key }} as {{ dbt.type_string() }})

),
{%- endif %}

{{ table_name }}_outcomes as (

    select
        defects.table_name,
        defects.record_key,
        defects.record_version_at,
        defects.defect_kind,
        defects.column_name,
        defects.clean_value,
        defects.dirty_value,
        case
            {%- if table.versioned %}
            when defects.record_version_at < latest_versions.latest_version_at then 'superseded'
            {%- endif %}
            when defects.defect_kind in ('{{ quarantine_kinds | join("', '") }}')
                and rejected.reason_code = defects.defect_kind
                and rejected.reason_column = defects.column_name then 'quarantined'
            when defects.defect_kind = 'duplicate_resend'
                and (staged.staged_rows = 1 or rejected.record_key is not null) then 'deduplicated'
            {%- for column, (staged_column, kind) in table.columns.items() %}
            when defects.defect_kind in ('{{ repair_kinds | join("', '") }}')
                and defects.column_name = '{{ column }}'
                and staged.{{ staged_column }} = cast(defects.clean_value as {{ types[kind] }}) then 'fixed'
            when defects.defect_kind = 'malformed_email'
                and defects.column_name = '{{ column }}'
                and rejected.reason_code = 'malformed_email' then 'quarantined'
            {%- endfor %}
            else 'unresolved'
        end as outcome
    from {{ table_name }}_defects as defects
    left join {{ table_name }}_staged as staged
        on defects.record_key = staged.record_key
    {%- if table.versioned %}
    left join {{ table_name }}_latest_versions as latest_versions
        on defects.record_key = latest_versions.record_key
    {%- endif %}
    left join rejected
        on rejected.source_table = '{{ table_name }}'
            and defects.record_key = rejected.record_key

),
{% endfor %}

outcomes as (

    {% for table_name in tables %}
    select * from {{ table_name }}_outcomes
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

unaccounted as (

    select * from outcomes
    where outcome = 'unresolved'

),

-- Every table the generator can damage must be listed above, or its defects would go unchecked.
unlisted as (

    select
        table_name,
        min(record_key) as record_key,
        cast(null as {{ dbt.type_timestamp() }}) as record_version_at,
        min(defect_kind) as defect_kind,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as clean_value,
        cast(null as {{ dbt.type_string() }}) as dirty_value,
        'table not checked' as outcome
    from defects
    where table_name not in ('{{ tables.keys() | join("', '") }}')
    group by table_name

)

select * from unaccounted
union all
select * from unlisted
{%- endif %}
