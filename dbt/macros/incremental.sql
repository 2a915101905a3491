{#- For incremental models fed by bronze loads: the load-time watermark to reprocess from, i.e. the newest
    loaded_at already in this model minus var incremental_lookback_hours (loads that committed late, or
    out of order, are picked up again). -#}
{% macro incremental_load_watermark(loaded_at_column='last_loaded_at') -%}
    (select {{ dbt.dateadd('hour', '0 - ' ~ var('incremental_lookback_hours'), 'max(' ~ loaded_at_column ~ ')') }}
     from {{ this }})
{%- endmacro %}
