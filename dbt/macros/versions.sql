{#
    Every row of a bronze table with is_latest_version: the project's one CDC ordering rule (version column,
    then load time, then batch id). Immutable event tables pass version_column=none, so a resent row loses
    only to a later load. A row without a key cannot be versioned: it is its own record (and the base
    model quarantines it), so it counts as latest.
#}
{% macro bronze_versions(relation, key, version_column='updated_at') -%}
    select
        *,
        -- 1 = the latest version; the quarantine falls back along this order to the last accepted version.
        row_number() over (
            partition by {{ key }}
            order by
                {% if version_column %}{{ version_column }} desc,{% endif %}
                _loaded_at desc,
                _batch_id desc
        ) as version_rank,
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
    A record with at least one accepted version is kept, as in staging: a quarantined newer version leaves
    it in its last accepted state (its interval stays open), never erases its accepted history.
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
        -- Only records staging accepts (those with an accepted version), so history and current state agree.
        and {{ key }} in (
            select {{ key }} from {{ base_model }} where is_accepted_version
        )
{%- endmacro %}

{#- The version flags and load metadata every base model carries, under their staging names. -#}
{% macro version_metadata_columns() -%}
    is_latest_version,
        version_rank,
        _batch_id as batch_id,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at
{%- endmacro %}

{#- The last step of every base model: each cleaned and checked version with is_accepted_version (the newest
    version the quarantine accepted: the one staging keeps) and has_quarantined_update (that accepted version
    has a newer version the quarantine rejected, so staging shows the record in its last accepted state and
    dq_rejected_rows lists the rejected version). A quarantined newer version never erases accepted history. -#}
{% macro accepted_version_flags(from_cte, key) -%}
    select
        {{ from_cte }}.*,
        {{ key }} is not null and dq_reason_code is null
        and version_rank = min(case when dq_reason_code is null then version_rank end) over (
            partition by {{ key }}
        ) as is_accepted_version,
        {{ key }} is not null and dq_reason_code is null
        and version_rank = min(case when dq_reason_code is null then version_rank end) over (
            partition by {{ key }}
        )
        and max(case when is_latest_version and dq_reason_code is not null then 1 else 0 end) over (
            partition by {{ key }}
        ) = 1 as has_quarantined_update
    from {{ from_cte }}
{%- endmacro %}
