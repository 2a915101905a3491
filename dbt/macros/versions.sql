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
    `gtm load --replace` overwrites bronze; the snapshot keeps what it said before; snapshot=none on engines
    without snapshots, see snapshot_or_none). One row per key and
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
            {%- if snapshot is not none %}
            union all
            select {{ key }}, {{ columns | join(', ') }}, updated_at, 2 as source_priority
            from {{ snapshot }}
            {%- endif %}
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

{#- Snapshots need a transactional table format on Spark (Delta, Iceberg or Hudi), so they are disabled on the
    spark target (dbt_project.yml) and the versions come from bronze alone there: identical while no source is
    reloaded with `gtm load --replace`, which overwrites the bronze versions a snapshot would have kept. -#}
{% macro snapshots_supported() -%}
    {{ return(target.type != 'spark') }}
{%- endmacro %}
