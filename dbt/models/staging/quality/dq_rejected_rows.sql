{#-
    The quarantine ledger: every bronze record (latest version) that could not be staged, with the bronze
    key, batch and a reason code. Nothing is dropped silently: distinct bronze records = staged + rejected,
    and every older version is counted as superseded (the bronze_ledger_balances test on each source).
-#}
{% for table in quarantined_tables() %}
select
    '{{ table.source_table }}' as source_table,
    cast({{ table.key }} as {{ dbt.type_string() }}) as record_key,
    batch_id,
    loaded_at,
    dq_reason_code as reason_code,
    dq_column as reason_column
from {{ ref(table.base_model) }}
where is_latest_version and dq_reason_code is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
