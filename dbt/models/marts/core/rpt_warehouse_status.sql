{#- One row that says what the marts describe: the as-of date every "days since" is measured to, whether bronze
    holds generated or imported data (and, for generated data, the scale and seed it was made with), the last
    load and when this build ran. Reports print it so every figure carries its date and data scale. -#}
{%- set generator_runs = adapter.get_relation(
    database=source('generator', 'generator_runs').database,
    schema=source('generator', 'generator_runs').schema,
    identifier=source('generator', 'generator_runs').identifier,
) if execute else none -%}
with

as_of as (

    select
        as_of_date,
        as_of_date_source
    from {{ ref('int_calendar__as_of_date') }}

),

loads as (

    select
        max(loaded_at) as last_loaded_at,
        count(distinct batch_id) as load_batch_count
    from {{ source('generator', 'load_batches') }}

),

generated as (

    {%- if generator_runs is not none %}
    select
        max(case when kind = 'history' then scale end) as generator_scale,
        max(case when kind = 'history' then seed end) as generator_seed,
        min(history_start) as history_start_date,
        max(as_of) as generated_through_date
    from {{ source('generator', 'generator_runs') }}
    {%- else %}
    -- Bronze was loaded from CSV exports only: no generator metadata.
    select
        cast(null as {{ dbt.type_float() }}) as generator_scale,
        cast(null as {{ dbt.type_bigint() }}) as generator_seed,
        cast(null as date) as history_start_date,
        cast(null as date) as generated_through_date
    {%- endif %}

)

select
    as_of.as_of_date,
    as_of.as_of_date_source,
    case when generated.generator_scale is null then 'imported' else 'generated' end as data_origin,
    cast(generated.generator_scale as {{ dbt.type_float() }}) as generator_scale,
    cast(generated.generator_seed as {{ dbt.type_bigint() }}) as generator_seed,
    generated.history_start_date,
    generated.generated_through_date,
    loads.last_loaded_at,
    cast(loads.load_batch_count as {{ dbt.type_bigint() }}) as load_batch_count,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as built_at
from as_of
cross join generated
cross join loads
