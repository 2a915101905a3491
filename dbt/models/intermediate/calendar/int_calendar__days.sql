{#- The calendar spine: one row per day of the reporting calendar: ISO (Monday-start) weeks, months,
    quarters, and the fiscal year that starts in var fiscal_year_start_month (named by the calendar year it
    ends in, as most companies do), with the first and last day of the day's fiscal quarter. -#}
{#- dim_date (the mart and MetricFlow time spine) and every intermediate model that needs days, weeks or months
    read it; intermediate models never read dim_date. Stored with fresh statistics, not a view: the planner
    cannot estimate a generated spine, and joins of large models to it (one row per opportunity-day) go from
    seconds to many minutes. Incremental with the old rows deleted first (same transaction), so a rebuild
    replaces the rows in place: a table swap would drop every view that depends on it. -#}
{{ config(
    materialized='incremental',
    pre_hook="{% if is_incremental() %}delete from {{ this }}{% endif %}",
    post_hook=["{{ analyze_relation(this) }}"],
) }}
{%- set fiscal_start = var('fiscal_year_start_month') | int -%}
with

days as (

    {{ dbt_utils.date_spine(
        datepart='day',
        start_date="cast('" ~ var('calendar_start_date') ~ "' as date)",
        end_date="cast('" ~ var('calendar_end_date') ~ "' as date)",
    ) }}

),

parts as (

    select
        cast(date_day as date) as date_day,
        {{ day_of_week_iso('date_day') }} as day_of_week_number,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month_number,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year_number,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month_number
    from days

),

calendar as (

    select
        date_day,
        day_of_week_number,
        case day_of_week_number
            when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday' when 4 then 'Thursday'
            when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday'
        end as day_of_week_name,
        day_of_week_number >= 6 as is_weekend,
        day_of_month_number,
        cast({{ dbt.dateadd('day', '1 - day_of_week_number', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end_date,
        month_number,
        case month_number
            when 1 then 'January' when 2 then 'February' when 3 then 'March' when 4 then 'April'
            when 5 then 'May' when 6 then 'June' when 7 then 'July' when 8 then 'August'
            when 9 then 'September' when 10 then 'October' when 11 then 'November' else 'December'
        end as month_name,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast(floor((month_number - 1) / 3.0) as {{ dbt.type_int() }}) + 1 as quarter_number,
        year_number,
        -- Months since the fiscal year began (0-11).
        mod(month_number - {{ fiscal_start }} + 12, 12) as fiscal_month_offset
    from parts

),

final as (

    select
        date_day,
        day_of_week_number,
        day_of_week_name,
        is_weekend,
        day_of_month_number,
        week_start_date,
        month_start_date,
        month_end_date,
        month_number,
        month_name,
        quarter_start_date,
        quarter_number,
        year_number,
        fiscal_month_offset + 1 as fiscal_month_number,
        cast(floor(fiscal_month_offset / 3.0) as {{ dbt.type_int() }}) + 1 as fiscal_quarter_number,
        {%- if fiscal_start == 1 %}
        year_number as fiscal_year_number,
        {%- else %}
        year_number + case when month_number >= {{ fiscal_start }} then 1 else 0 end as fiscal_year_number,
        {%- endif %}
        cast({{ dbt.dateadd('month', '0 - fiscal_month_offset', 'month_start_date') }} as date)
            as fiscal_year_start_date,
        -- The fiscal quarter starts 0-2 months before this month (fiscal_month_offset mod 3) and lasts 3 months.
        cast({{ dbt.dateadd('month', '0 - mod(fiscal_month_offset, 3)', 'month_start_date') }} as date)
            as fiscal_quarter_start_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', '3 - mod(fiscal_month_offset, 3)', 'month_start_date')) }}
            as date
        ) as fiscal_quarter_end_date
    from calendar

)

select * from final
