{#- A text expression compared byte by byte, whatever the database's collation: ORDER BY on ids then gives the
    same order on every engine and locale (Postgres databases created with a linguistic collation would
    otherwise sort 'a-b' and 'ab' by language rules). -#}
{% macro bytewise(expression) -%}
    {{ return(adapter.dispatch('bytewise', 'gtm_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__bytewise(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__bytewise(expression) -%}
    ({{ expression }} collate "C")
{%- endmacro %}
