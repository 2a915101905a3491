{#-
    The quarantine ledger: every latest-version bronze record that could not be staged, with the bronze
    key, batch and a reason code. Nothing is dropped silently: bronze keys = staged + rejected (+ older
    versions superseded by a newer one).
-#}
{%- set checked = [
    ('crm_leads', 'base_crm__leads', 'lead_id'),
    ('crm_accounts', 'base_crm__accounts', 'account_id'),
] -%}

{% for source_table, base_model, key in checked %}
select
    '{{ source_table }}' as source_table,
    cast({{ key }} as {{ dbt.type_string() }}) as record_key,
    _batch_id as batch_id,
    {{ to_utc_timestamp('_loaded_at') }} as loaded_at,
    dq_reason_code as reason_code,
    dq_column as reason_column
from {{ ref(base_model) }}
where dq_reason_code is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
