{#- For incremental models fed by bronze loads: the load-time watermark to reprocess from, i.e. the newest
    loaded_at already in this model minus var incremental_lookback_hours (loads that committed late, or
    out of order, are picked up again). -#}
{% macro incremental_load_watermark(loaded_at_column='last_loaded_at') -%}
    (select {{ dbt.dateadd('hour', '0 - ' ~ var('incremental_lookback_hours'), 'max(' ~ loaded_at_column ~ ')') }}
     from {{ this }})
{%- endmacro %}

{#- For incremental aggregates: the rows of `source_cte` in every group (the values of `group_columns`) that
    received a row loaded since the watermark, so each such group is recomputed from all of its rows (late
    rows land in the right group); on a full build, every row. -#}
{% macro rows_of_changed_groups(source_cte, group_columns) -%}
    {%- if is_incremental() %}
    select {{ source_cte }}.*
    from {{ source_cte }}
    inner join (
        select distinct {{ group_columns | join(', ') }}
        from {{ source_cte }}
        where loaded_at > {{ incremental_load_watermark() }}
    ) as changed_groups
        on
        {%- for column in group_columns %}
        {{ 'and ' if not loop.first }}{{ source_cte }}.{{ column }} = changed_groups.{{ column }}
        {%- endfor %}
    {%- else %}
    select * from {{ source_cte }}
    {%- endif %}
{%- endmacro %}
