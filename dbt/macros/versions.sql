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
