{#- One row per fiscal quarter holding the close date of at least one opportunity open at the end of the as-of
    date: the open pipeline and its expected bookings three ways -- stage-weighted (ACV x stage probability),
    historical-win-rate-weighted (ACV x win rate of closed opportunities that entered the same stage, same
    type), and a Monte Carlo distribution (var forecast_simulations simulated quarters in which every open
    opportunity wins independently with its historical win rate, deterministic draws seeded by var
    forecast_random_seed): mean, p10, p50 and p90 of simulated bookings. -#}
with

draws as (

    select * from {{ ref('int_pipeline__forecast_draws') }}

),

-- Every open opportunity has a simulation 1: one row per opportunity.
open_opportunities as (

    select *
    from draws
    where simulation_number = 1

),

expected_bookings as (

    select
        fiscal_year_number,
        fiscal_quarter_number,
        fiscal_quarter_start_date,
        count(*) as open_opportunity_count,
        sum(acv_amount) as open_pipeline_amount,
        sum(acv_amount * probability / 100.0) as stage_weighted_amount,
        sum(acv_amount * historical_win_rate) as historical_win_rate_amount,
        -- Standard deviation of the quarter's bookings when each opportunity wins independently.
        sqrt(sum(acv_amount * acv_amount * historical_win_rate * (1 - historical_win_rate)))
            as bookings_stddev_amount
    from open_opportunities
    group by 1, 2, 3

),

simulated_quarters as (

    select
        fiscal_year_number,
        fiscal_quarter_number,
        simulation_number,
        sum(case when is_simulated_win then acv_amount else 0 end) as simulated_bookings_amount
    from draws
    group by 1, 2, 3

),

simulated_distribution as (

    select
        fiscal_year_number,
        fiscal_quarter_number,
        count(*) as simulation_count,
        avg(simulated_bookings_amount) as simulated_mean_amount,
        {{ percentile_cont('simulated_bookings_amount', 0.1) }} as simulated_p10_amount,
        {{ percentile_cont('simulated_bookings_amount', 0.5) }} as simulated_p50_amount,
        {{ percentile_cont('simulated_bookings_amount', 0.9) }} as simulated_p90_amount
    from simulated_quarters
    group by 1, 2

),

final as (

    select
        expected_bookings.fiscal_year_number as fiscal_year,
        expected_bookings.fiscal_quarter_number as fiscal_quarter,
        expected_bookings.fiscal_quarter_start_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'expected_bookings.fiscal_quarter_start_date')) }}
            as date
        ) as fiscal_quarter_end_date,
        cast({{ dbt.dateadd('month', 3, 'expected_bookings.fiscal_quarter_start_date') }} as date)
        <= {{ as_of_date() }} as is_past_quarter,
        cast(expected_bookings.open_opportunity_count as {{ dbt.type_bigint() }}) as open_opportunity_count,
        cast(expected_bookings.open_pipeline_amount as {{ type_money() }}) as open_pipeline_amount,
        cast(expected_bookings.stage_weighted_amount as {{ type_money() }}) as stage_weighted_amount,
        cast(expected_bookings.historical_win_rate_amount as {{ type_money() }}) as historical_win_rate_amount,
        cast(
            cast(expected_bookings.historical_win_rate_amount as {{ dbt.type_numeric() }})
            / nullif(expected_bookings.open_pipeline_amount, 0)
            as decimal(10, 4)
        ) as historical_win_rate,
        cast(simulated_distribution.simulation_count as {{ dbt.type_bigint() }}) as simulation_count,
        cast(simulated_distribution.simulated_mean_amount as {{ type_money() }}) as simulated_mean_amount,
        cast(simulated_distribution.simulated_p10_amount as {{ type_money() }}) as simulated_p10_amount,
        cast(simulated_distribution.simulated_p50_amount as {{ type_money() }}) as simulated_p50_amount,
        cast(simulated_distribution.simulated_p90_amount as {{ type_money() }}) as simulated_p90_amount,
        cast(expected_bookings.bookings_stddev_amount as {{ type_money() }}) as bookings_stddev_amount
    from expected_bookings
    inner join simulated_distribution
        on expected_bookings.fiscal_year_number = simulated_distribution.fiscal_year_number
            and expected_bookings.fiscal_quarter_number = simulated_distribution.fiscal_quarter_number

)

select * from final
