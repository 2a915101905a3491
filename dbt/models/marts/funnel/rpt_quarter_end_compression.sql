{#- One row per fiscal quarter x opportunity type with closed-won deals: wins and won ACV, the part closed
    in the last var('quarter_end_window_days') days of the quarter, the share those days would get if wins
    were spread evenly over the quarter, and the compression index (actual window share / even share).
    Quarters run up to the as-of date; the one still in progress is flagged and gets no shares. Pre-history
    deals (created before tracked history, int_crm__opportunities_enriched.is_pre_history: an installed base
    loaded with its close dates) are left out: they describe how the data was seeded, not how reps close. -#}
{%- set window_days = var('quarter_end_window_days') -%}
with

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

dates as (

    select * from {{ ref('dim_date') }}

),

as_of as (

    select * from {{ ref('int_calendar__as_of_date') }}

),

wins as (

    select
        opportunities.opportunity_id,
        opportunities.opportunity_type,
        opportunities.acv_amount,
        opportunities.close_date,
        dates.fiscal_year_number,
        dates.fiscal_quarter_number,
        dates.fiscal_quarter_start_date,
        dates.fiscal_quarter_end_date,
        as_of.as_of_date
    from opportunities
    inner join dates
        on opportunities.close_date = dates.date_day
    cross join as_of
    where opportunities.is_won
        and opportunities.is_pre_history is not true
        and opportunities.close_date <= as_of.as_of_date

),

windowed as (

    select
        *,
        cast({{ dbt.dateadd('day', 1 - window_days, 'fiscal_quarter_end_date') }} as date) as window_start_date
    from wins

),

quarters as (

    select
        fiscal_year_number,
        fiscal_quarter_number,
        fiscal_quarter_start_date,
        fiscal_quarter_end_date,
        window_start_date,
        opportunity_type,
        fiscal_quarter_end_date <= as_of_date as is_complete_quarter,
        count(*) as won_count,
        sum(acv_amount) as won_acv_amount,
        sum(case when close_date >= window_start_date then 1 else 0 end) as window_won_count,
        sum(case when close_date >= window_start_date then acv_amount else 0 end) as window_won_acv_amount
    from windowed
    group by
        fiscal_year_number,
        fiscal_quarter_number,
        fiscal_quarter_start_date,
        fiscal_quarter_end_date,
        window_start_date,
        opportunity_type,
        fiscal_quarter_end_date <= as_of_date

),

measured as (

    select
        *,
        {{ dbt.datediff('fiscal_quarter_start_date', 'fiscal_quarter_end_date', 'day') }} + 1 as quarter_day_count
    from quarters

),

final as (

    select
        fiscal_year_number,
        fiscal_quarter_number,
        {{ dbt.concat([
            "'FY'", "cast(fiscal_year_number as " ~ dbt.type_string() ~ ")",
            "'-Q'", "cast(fiscal_quarter_number as " ~ dbt.type_string() ~ ")"
        ]) }} as fiscal_quarter_label,
        fiscal_quarter_start_date,
        fiscal_quarter_end_date,
        quarter_day_count,
        window_start_date,
        opportunity_type,
        is_complete_quarter,
        won_count,
        cast(won_acv_amount as {{ type_money() }}) as won_acv_amount,
        window_won_count,
        cast(window_won_acv_amount as {{ type_money() }}) as window_won_acv_amount,
        case when is_complete_quarter then
                {{ safe_ratio('window_won_count', 'won_count') }}
        end as window_won_share,
        case when is_complete_quarter then
                {{ safe_ratio('window_won_acv_amount', 'won_acv_amount') }}
        end as window_won_acv_share,
        cast(round(cast({{ window_days }} as {{ dbt.type_numeric() }}) / quarter_day_count, 4) as numeric(10, 4))
            as even_window_share,
        case when is_complete_quarter then
                {{ safe_ratio('window_won_count * quarter_day_count', 'won_count * ' ~ window_days) }}
        end as compression_index,
        case when is_complete_quarter then
                {{ safe_ratio('window_won_acv_amount * quarter_day_count', 'won_acv_amount * ' ~ window_days) }}
        end as acv_compression_index
    from measured

)

select * from final
