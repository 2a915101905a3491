{#- A list of strings as SQL: one row per value in a column (the body of a CTE to join or cross join with),
    or a parenthesised literal list for `in`. -#}
{% macro values_as_rows(column_name, values) -%}
    {%- for value in values %}
    select '{{ value }}' as {{ column_name }}{{ " union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro in_list(values) -%}
    ({%- for value in values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor -%})
{%- endmacro %}
