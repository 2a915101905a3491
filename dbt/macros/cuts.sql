{#- Reports cut a measure for the whole base and by segment and by plan: a CTE's rows once per cut, with
    cut_name ('all' | 'segment' | 'plan') and cut_value ('All', the segment, the plan; 'Unknown' when missing)
    in front. The CTE needs columns `segment` and `plan_name`. The segment rows and the plan rows each add up
    to the 'all' rows. -#}
{% macro segment_and_plan_cuts(from_cte) -%}
    select 'all' as cut_name, 'All' as cut_value, {{ from_cte }}.* from {{ from_cte }}
    union all
    select 'segment' as cut_name, coalesce(segment, 'Unknown') as cut_value, {{ from_cte }}.* from {{ from_cte }}
    union all
    select 'plan' as cut_name, coalesce(plan_name, 'Unknown') as cut_value, {{ from_cte }}.* from {{ from_cte }}
{%- endmacro %}
