{#- The deterministic draw of macros/random.sql on 10,000 generated keys (ids x simulation numbers, seed var
    forecast_random_seed): every draw lies in [0, 1), each tenth of the interval receives 880 to 1,120 draws
    (expected 1,000, standard deviation 30: a fair hash leaves the band with probability ~6e-5 per tenth),
    and the portable default implementation returns exactly the adapter's own. Independent of the data.
    Returns the failing checks. -#}
{%- set draw_keys = ['opportunity_id', 'simulation_number'] %}
with

digits as (

    {%- for digit in range(10) %}
    select {{ digit }} as digit
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

keys as (

    select
        {{ dbt.concat(["'O'", 'cast(thousands.digit * 10 + hundreds.digit as ' ~ dbt.type_string() ~ ')']) }}
            as opportunity_id,
        tens.digit * 10 + units.digit + 1 as simulation_number
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units

),

draws as (

    select
        opportunity_id,
        simulation_number,
        {{ uniform_random(draw_keys, var('forecast_random_seed')) }} as uniform_draw,
        {{ gtm_warehouse.default__uniform_random(draw_keys, var('forecast_random_seed')) }} as portable_draw
    from keys

),

tenths as (

    select
        floor(uniform_draw * 10) as tenth,
        count(*) as draw_count
    from draws
    group by 1

),

checks as (

    select
        'draw outside [0, 1)' as failure,
        count(*) as failing_count
    from draws
    where uniform_draw < 0 or uniform_draw >= 1

    union all

    select
        'portable draw differs' as failure,
        count(*) as failing_count
    from draws
    where portable_draw <> uniform_draw

    union all

    select
        'tenth outside 880..1120' as failure,
        count(*) as failing_count
    from tenths
    where draw_count < 880 or draw_count > 1120

    union all

    select
        'tenths missing' as failure,
        10 - count(*) as failing_count
    from tenths

)

select *
from checks
where failing_count <> 0
