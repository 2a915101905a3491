{#- ISO day of week: 1 = Monday ... 7 = Sunday (warehouses disagree on plain "day of week"). -#}
{% macro day_of_week_iso(date_expression) -%}
    {{ return(adapter.dispatch('day_of_week_iso', 'gtm_warehouse')(date_expression)) }}
{%- endmacro %}

{% macro default__day_of_week_iso(date_expression) -%}
    extract(dayofweekiso from {{ date_expression }})
{%- endmacro %}

{% macro postgres__day_of_week_iso(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as {{ dbt.type_int() }})
{%- endmacro %}

{#- "Today" for every days-since and open-state calculation: the as_of_date var when set, else the latest
    event in the data (int_calendar__as_of_date). Never current_date: rebuilding the same data must give
    the same numbers. Returns a scalar SQL expression of type date. -#}
{% macro as_of_date() -%}
    (select as_of_date from {{ ref('int_calendar__as_of_date') }})
{%- endmacro %}

{#- "Now" for hours-based ages (speed to lead, time waiting for a first touch): the latest event timestamp, or
    the end of the as_of_date day when that var is set. Returns a scalar SQL expression of type timestamp. -#}
{% macro as_of_timestamp() -%}
    (select as_of_at from {{ ref('int_calendar__as_of_date') }})
{%- endmacro %}

{#- Monday of the ISO week a date falls in (warehouses disagree on the first day of date_trunc's week). -#}
{% macro week_start(date_expression) -%}
    cast({{ dbt.dateadd('day', '1 - ' ~ day_of_week_iso(date_expression), date_expression) }} as date)
{%- endmacro %}
