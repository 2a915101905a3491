{#
    Every row of a bronze table with is_latest_version: the project's one CDC ordering rule (version column,
    then load time, then batch id). Immutable event tables pass version_column=none, so a resent row loses
    only to a later load. A row without a key cannot be versioned: it is its own record (and the base
    model quarantines it), so it counts as latest.
#}
{% macro bronze_versions(relation, key, version_column='updated_at') -%}
    select
        *,
        case
            when {{ key }} is null then true
            when row_number() over (
                partition by {{ key }}
                order by
                    {% if version_column %}{{ version_column }} desc,{% endif %}
                    _loaded_at desc,
                    _batch_id desc
            ) = 1 then true
            else false
        end as is_latest_version
    from {{ relation }}
{%- endmacro %}

{#
    Every accepted version of a CDC record with the interval it was in effect: the bronze versions the base
    model cleaned (staging keeps only the latest) plus the snapshot's (a source loaded with
    `gtm load --replace` overwrites bronze; the snapshot keeps what it said before). One row per key and
    updated_at, preferring today's cleaning rules; valid_from inclusive, valid_to exclusive (null: current).
    Records whose latest version is quarantined are left out, as in staging.
#}
{% macro cdc_versions(base_model, snapshot, key, columns) -%}
    select
        {{ key }},
        {{ columns | join(',\n        ') }},
        updated_at as valid_from,
        lead(updated_at) over (partition by {{ key }} order by updated_at) as valid_to
    from (
        select
            *,
            row_number() over (partition by {{ key }}, updated_at order by source_priority) as duplicate_rank
        from (
            select {{ key }}, {{ columns | join(', ') }}, updated_at, 1 as source_priority
            from {{ base_model }}
            where dq_reason_code is null
            union all
            select {{ key }}, {{ columns | join(', ') }}, updated_at, 2 as source_priority
            from {{ snapshot }}
        ) as all_versions
    ) as ranked
    where duplicate_rank = 1
        -- Only records staging accepts: one whose latest version is quarantined would otherwise stay frozen in
        -- its last clean state (an opportunity open forever) while every current-state mart leaves it out.
        and {{ key }} in (
            select {{ key }} from {{ base_model }} where is_latest_version and dq_reason_code is null
        )
{%- endmacro %}

{#- The version flag and load metadata every base model carries, under their staging names. -#}
{% macro version_metadata_columns() -%}
    is_latest_version,
        _batch_id as batch_id,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at
{%- endmacro %}
