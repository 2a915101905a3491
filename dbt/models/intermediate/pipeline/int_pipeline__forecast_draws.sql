{#- One row per opportunity open at the end of the as-of date x simulation number (1 .. var
    forecast_simulations): the opportunity's close quarter, ACV, stage probability, the historical win rate of
    closed opportunities that entered its current stage (same opportunity_type), a deterministic uniform draw
    from (opportunity_id, simulation_number, var forecast_random_seed) and whether it wins in that simulation
    (draw < win rate). Feeds the Monte Carlo columns of rpt_pipeline_forecast. -#}
{#- A table: simulations x open opportunities is large (564k rows at scale 1) and the forecast and several tests
    read it; as a view each of them would redraw every hash. -#}
{{ config(materialized='table') }}
{%- set simulations = var('forecast_simulations') | int -%}
{%- set digit_positions = ((simulations - 1) | string | length) -%}
with

opportunity_daily as (

    select * from {{ ref('int_crm__opportunity_daily') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

opportunity_versions as (

    select * from {{ ref('int_crm__opportunity_versions') }}

),

open_opportunities as (

    select * from {{ ref('int_pipeline__open_opportunities') }}

),

-- Staged opportunities closed by the as-of date, with their outcome. Pre-history deals (an installed base
-- loaded as won, int_crm__opportunities_enriched.is_pre_history) say nothing about how today's pipeline converts.
closed_opportunities as (

    select
        opportunity_daily.opportunity_id,
        opportunities.opportunity_type,
        opportunity_daily.is_won
    from opportunity_daily
    inner join opportunities
        on opportunity_daily.opportunity_id = opportunities.opportunity_id
    where
        opportunity_daily.is_closed
        and opportunities.is_pre_history is not true
        and opportunity_daily.date_day <= {{ as_of_date() }}

),

-- Every stage an opportunity was ever in by the as-of date, from the stage history or any recorded version.
stages_entered as (

    select
        opportunity_id,
        stage_name
    from stage_history
    where cast(entered_at as date) <= {{ as_of_date() }}

    union

    select
        opportunity_id,
        stage_name
    from opportunity_versions
    where cast(valid_from as date) <= {{ as_of_date() }}

),

closed_stage_outcomes as (

    select
        stages_entered.stage_name,
        closed_opportunities.opportunity_type,
        closed_opportunities.is_won
    from closed_opportunities
    inner join stages_entered
        on closed_opportunities.opportunity_id = stages_entered.opportunity_id

),

stage_type_win_rates as (

    select
        stage_name,
        opportunity_type,
        count(*) as closed_count,
        cast(sum(case when is_won then 1 else 0 end) as {{ dbt.type_numeric() }}) / nullif(count(*), 0) as win_rate
    from closed_stage_outcomes
    group by 1, 2

),

stage_win_rates as (

    select
        stage_name,
        count(*) as closed_count,
        cast(sum(case when is_won then 1 else 0 end) as {{ dbt.type_numeric() }}) / nullif(count(*), 0) as win_rate
    from closed_stage_outcomes
    group by 1

),

-- The open pipeline whose close date is in the calendar (it has a fiscal quarter).
open_in_calendar as (

    select
        opportunity_id,
        opportunity_type,
        stage_name,
        close_date,
        fiscal_year_number,
        fiscal_quarter_number,
        fiscal_quarter_start_date,
        acv_amount,
        probability
    from open_opportunities
    where fiscal_quarter_start_date is not null

),

-- Win rate of the same stage and type; else of the stage across types; else the stage probability.
open_with_win_rates as (

    select
        open_in_calendar.*,
        coalesce(
            stage_type_win_rates.win_rate,
            stage_win_rates.win_rate,
            open_in_calendar.probability / 100.0
        ) as historical_win_rate,
        case
            when stage_type_win_rates.win_rate is not null then 'stage_and_type'
            when stage_win_rates.win_rate is not null then 'stage'
            else 'stage_probability'
        end as win_rate_basis,
        coalesce(stage_type_win_rates.closed_count, stage_win_rates.closed_count, 0) as win_rate_closed_count
    from open_in_calendar
    left join stage_type_win_rates
        on open_in_calendar.stage_name = stage_type_win_rates.stage_name
            and open_in_calendar.opportunity_type = stage_type_win_rates.opportunity_type
    left join stage_win_rates
        on open_in_calendar.stage_name = stage_win_rates.stage_name

),

digits as (

    {%- for digit in range(10) %}
    select {{ digit }} as digit
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

-- 1 .. forecast_simulations from a cross join of digit tables (one per decimal position).
simulations as (

    select
        1
        {%- for position in range(digit_positions) %}
        + position_{{ position }}.digit * {{ 10 ** position }}
        {%- endfor %} as simulation_number
    from digits as position_0
    {% for position in range(1, digit_positions) -%}
    cross join digits as position_{{ position }}
    {% endfor %}

),

draws as (

    select
        open_with_win_rates.opportunity_id,
        simulations.simulation_number,
        open_with_win_rates.opportunity_type,
        open_with_win_rates.stage_name,
        open_with_win_rates.close_date,
        open_with_win_rates.fiscal_year_number,
        open_with_win_rates.fiscal_quarter_number,
        open_with_win_rates.fiscal_quarter_start_date,
        open_with_win_rates.acv_amount,
        open_with_win_rates.probability,
        open_with_win_rates.historical_win_rate,
        open_with_win_rates.win_rate_basis,
        open_with_win_rates.win_rate_closed_count,
        {{ uniform_random(['open_with_win_rates.opportunity_id', 'simulations.simulation_number'],
                          var('forecast_random_seed')) }} as uniform_draw
    from open_with_win_rates
    cross join simulations
    where simulations.simulation_number <= {{ simulations }}

),

final as (

    select
        opportunity_id,
        simulation_number,
        opportunity_type,
        stage_name,
        close_date,
        fiscal_year_number,
        fiscal_quarter_number,
        fiscal_quarter_start_date,
        acv_amount,
        probability,
        cast(historical_win_rate as decimal(10, 6)) as historical_win_rate,
        win_rate_basis,
        win_rate_closed_count,
        uniform_draw,
        uniform_draw < cast(historical_win_rate as decimal(10, 6)) as is_simulated_win
    from draws

)

select * from final
