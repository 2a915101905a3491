{#- The reporting calendar for BI and the semantic layer: the intermediate calendar spine (int_calendar__days),
    materialised as a table. -#}
with

calendar as (

    select * from {{ ref('int_calendar__days') }}

)

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
    fiscal_month_number,
    fiscal_quarter_number,
    fiscal_year_number,
    fiscal_year_start_date,
    fiscal_quarter_start_date,
    fiscal_quarter_end_date
from calendar
