{#- One row per `datepart` from start_date (inclusive) to end_date (exclusive), in column date_<datepart>. -#}
{% macro date_spine(datepart, start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'dbt_utils')(datepart, start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(datepart, start_date, end_date) -%}
{%- set periods = dbt_utils.get_intervals_between(start_date, end_date, datepart) -%}
with rawdata as (
    {{ dbt_utils.generate_series(periods) | indent(4) }}
),

all_periods as (
    select
        {{ dbt.dateadd(datepart, "generated_number - 1", start_date) | trim }} as date_{{ datepart }}
    from rawdata
),

filtered as (
    select *
    from all_periods
    where date_{{ datepart }} < {{ end_date }}
)

select * from filtered
{%- endmacro %}


{#- Number of whole `datepart`s between two dates; runs a query because the bounds may be SQL expressions. -#}
{% macro get_intervals_between(start_date, end_date, datepart) -%}
    {{ return(adapter.dispatch('get_intervals_between', 'dbt_utils')(start_date, end_date, datepart)) }}
{%- endmacro %}

{% macro default__get_intervals_between(start_date, end_date, datepart) -%}
    {%- set query = "select " ~ dbt.datediff(start_date, end_date, datepart) -%}
    {#- While parsing nothing is queried; 1 keeps the rendered SQL valid. -#}
    {{ return(dbt_utils.get_single_value(query, default=1) | int) }}
{%- endmacro %}


{#- Integers 1..upper_bound in column generated_number, built by cross-joining binary digits so that
    no adapter-specific series function is needed. -#}
{% macro generate_series(upper_bound) -%}
    {{ return(adapter.dispatch('generate_series', 'dbt_utils')(upper_bound)) }}
{%- endmacro %}

{% macro default__generate_series(upper_bound) -%}
{%- set upper_bound = upper_bound | int -%}
{%- if upper_bound < 1 -%}
    {{ exceptions.raise_compiler_error("generate_series: upper_bound must be a positive integer, got " ~ upper_bound) }}
{%- endif -%}
{%- set ns = namespace(bits=1) -%}
{%- for _ in range(63) -%}
    {%- if 2 ** ns.bits < upper_bound -%}
        {%- set ns.bits = ns.bits + 1 -%}
    {%- endif -%}
{%- endfor -%}
with digit as (
    select 0 as d
    union all
    select 1 as d
),

numbers as (
    select
        {%- for i in range(ns.bits) %}
        {{ '+ ' if not loop.first }}d{{ i }}.d * {{ 2 ** i }}
        {%- endfor %}
        + 1 as generated_number
    from digit as d0
    {%- for i in range(1, ns.bits) %}
    cross join digit as d{{ i }}
    {%- endfor %}
)

select generated_number
from numbers
where generated_number <= {{ upper_bound }}
{%- endmacro %}
