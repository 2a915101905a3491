{#- One row: the first day of the tracked go-to-market history, the pre-history boundary. Before it the data
    holds only records carried over from before tracking began (an imported installed base: deals, contracts
    and MRR with no lead and no possible touch). var tracked_history_start_date sets it; otherwise it is the
    day the first lead was created, or, in data without leads, the day of the first marketing or sales touch.
    Null when the data has neither (nothing is then pre-history). -#}
{#- A view: three aggregates over staging, read a few times per build. -#}
with

first_lead as (

    select min(cast(created_at as date)) as first_day from {{ ref('stg_crm__leads') }}

),

first_touch as (

    select min(cast(touched_at as date)) as first_day from {{ ref('stg_marketing__marketing_touches') }}
    union all
    select min(cast(touched_at as date)) from {{ ref('stg_marketing__sales_touches') }}

)

select
    {%- if var('tracked_history_start_date') %}
    cast('{{ var("tracked_history_start_date") }}' as date) as tracked_history_start_date,
    'var' as boundary_source
    {%- else %}
    coalesce(
        (select first_day from first_lead),
        (select min(first_day) from first_touch)
    ) as tracked_history_start_date,
    case
        when (select first_day from first_lead) is not null then 'first_lead'
        when (select min(first_day) from first_touch) is not null then 'first_touch'
        else 'none'
    end as boundary_source
    {%- endif %}
