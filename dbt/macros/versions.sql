{#
    The latest version of every record of a CDC-style bronze table: the project's one ordering rule
    (updated_at, then load time, then batch id). Rows without a key cannot be versioned and are left out
    here; the ledger tests count them separately.
#}
{% macro latest_versions(relation, key) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by updated_at desc, _loaded_at desc, _batch_id desc
            ) as version_rank
        from {{ relation }}
        where {{ key }} is not null
    ) as versions
    where version_rank = 1
{%- endmacro %}

{#
    dq_reason_code and dq_column from one ordered list of checks (the first failing check wins), so a check
    is written once. Each check: {"when": <SQL condition>, "code": <reason code>, "column": <column>}.
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
