{#-
    The quarantine ledger: every bronze record whose latest version could not be staged, with the bronze
    key, batch and a reason code, and whether staging still holds the record in its last accepted (older)
    state. Nothing is dropped silently: distinct bronze records = staged + rejected - rejected records staged
    at an earlier version, and every older version is counted as superseded (bronze_ledger_balances).
-#}
{% for table in quarantined_tables() %}
select
    '{{ table.source_table }}' as source_table,
    cast({{ table.key }} as {{ dbt.type_string() }}) as record_key,
    batch_id,
    loaded_at,
    dq_reason_code as reason_code,
    dq_column as reason_column,
    {{ table.key }} is not null and {{ table.key }} in (
        select accepted.{{ table.key }}
        from {{ ref(table.base_model) }} as accepted
        where accepted.is_accepted_version
    ) as is_staged_at_earlier_version
from {{ ref(table.base_model) }}
where is_latest_version and dq_reason_code is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
