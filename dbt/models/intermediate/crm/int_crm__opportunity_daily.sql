{#- One row per opportunity per day, from the day it was created to the day it closed (or the as-of date
    while open), with the stage, amount, close date and forecast category it had at the end of that day. -#}
{#- A table: one row per opportunity-day is the largest model of the CRM domain, and the open pipeline, the
    forecast draws and fct_opportunity_daily all read it. -#}
{{ config(materialized='table') }}
with

versions as (

    select * from {{ ref('int_crm__opportunity_versions') }}

),

calendar as (

    select date_day from {{ ref('int_calendar__days') }}

),

-- The last version of each day is the state "as of" that day.
daily_versions as (

    select
        *,
        cast(valid_from as date) as effective_date,
        row_number() over (
            partition by opportunity_id, cast(valid_from as date)
            order by valid_from desc
        ) as version_of_day_rank
    from versions

),

day_ranges as (

    select
        opportunity_id,
        account_id,
        owner_user_id,
        stage_name,
        acv_amount,
        probability,
        forecast_category,
        close_date,
        is_closed,
        is_won,
        effective_date,
        lead(effective_date) over (partition by opportunity_id order by effective_date) as next_effective_date,
        min(effective_date) over (partition by opportunity_id) as created_date,
        min(case when is_closed then effective_date end) over (partition by opportunity_id) as closed_date
    from daily_versions
    where version_of_day_rank = 1

),

daily as (

    select
        calendar.date_day,
        day_ranges.opportunity_id,
        day_ranges.account_id,
        day_ranges.owner_user_id,
        day_ranges.stage_name,
        day_ranges.acv_amount,
        cast(day_ranges.probability as decimal(5, 2)) as probability,
        day_ranges.forecast_category,
        day_ranges.close_date,
        day_ranges.is_closed,
        day_ranges.is_won,
        day_ranges.created_date,
        {{ dbt.datediff('day_ranges.created_date', 'calendar.date_day', 'day') }} as days_since_created
    from day_ranges
    inner join calendar
        on day_ranges.effective_date <= calendar.date_day
            and (day_ranges.next_effective_date is null or day_ranges.next_effective_date > calendar.date_day)
            and calendar.date_day <= coalesce(day_ranges.closed_date, {{ as_of_date() }})

)

select
    {{ dbt_utils.generate_surrogate_key(['opportunity_id', 'date_day']) }} as opportunity_day_id,
    *
from daily
