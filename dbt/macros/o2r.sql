{#- The frame every weekly O2R mart starts from, as four CTEs: `panel` (fct_account_weekly), `weeks` (every
    Monday of the panel's window with its fiscal year, its number in the fiscal year - the first Monday on or
    after the fiscal year's start is week 1 - the fiscal year's week count, and whether the week is over by
    the as-of date), `panel_cuts` (the panel rows once per cut) and `grid` (weeks x cut values: the zero-filled
    spine the marts left-join their aggregates to). Use it as `with {{ o2r_weekly_frame() }}, ...`. -#}
{% macro o2r_weekly_frame() -%}
panel as (

    select * from {{ ref('fct_account_weekly') }}

),

weeks as (

    select
        fiscal_weeks.week_start_date,
        fiscal_weeks.fiscal_year_number,
        fiscal_weeks.fiscal_week_number,
        fiscal_weeks.fiscal_year_week_count,
        {{ dbt.dateadd('day', 7, 'fiscal_weeks.week_start_date') }} <= {{ dbt.dateadd('day', 1, as_of_date()) }}
            as is_complete_week
    from (
        select
            date_day as week_start_date,
            fiscal_year_number,
            row_number() over (partition by fiscal_year_number order by date_day) as fiscal_week_number,
            count(*) over (partition by fiscal_year_number) as fiscal_year_week_count
        from {{ ref('dim_date') }}
        where day_of_week_number = 1
    ) as fiscal_weeks
    where fiscal_weeks.week_start_date >= (select min(week_start_date) from panel)
        and fiscal_weeks.week_start_date <= (select max(week_start_date) from panel)

),

panel_cuts as (

    {{ segment_and_plan_cuts('panel') }}

),

grid as (

    select
        weeks.*,
        cut_values.cut_name,
        cut_values.cut_value
    from weeks
    cross join (select distinct cut_name, cut_value from panel_cuts) as cut_values

)
{%- endmacro %}

{#- An incident hit an account-week when it was global or hit the region the account's traffic is served from
    (fct_account_weekly.serving_region). Used by the panel and by the MTTR of each cut. -#}
{% macro o2r_incident_hits(incidents, account_week) -%}
    ({{ incidents }}.incident_scope = 'global' or {{ incidents }}.affected_region = {{ account_week }}.serving_region)
{%- endmacro %}
