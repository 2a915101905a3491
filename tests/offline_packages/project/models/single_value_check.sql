{%- set source_relation = ref('star_source') -%}
select
    {{ dbt_utils.get_single_value("select max(id) from " ~ source_relation) }} as max_id,
    '{{ dbt_utils.get_single_value("select name from " ~ source_relation) }}' as first_name,
    {{ dbt_utils.get_single_value("select id from " ~ source_relation ~ " where 1 = 0", default=-1) }} as fallback
