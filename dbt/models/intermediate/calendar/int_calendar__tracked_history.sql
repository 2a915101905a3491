{#- One row: the first day of the tracked go-to-market history, the pre-history boundary. Before it the data
    holds only records carried over from before tracking began (an imported installed base: deals, contracts
    and MRR with no lead and no possible touch). var tracked_history_start_date sets it; otherwise it is the
    day the first lead was created, or, in data without leads, the day of the first marketing or sales touch.
    Null when the data has neither (nothing is then pre-history). -#}
{#- A view: three aggregates over staging, read a few times per build. -#}
{%- set boundary_var = var('tracked_history_start_date') -%}
{%- set boundary_sql = "cast('" ~ boundary_var ~ "' as date)" if boundary_var else "cast(null as date)" -%}
with

first_lead as (

    select min(cast(created_at as date)) as first_day from {{ ref('stg_crm__leads') }}

),

touch_firsts as (

    select min(cast(touched_at as date)) as first_day from {{ ref('stg_marketing__marketing_touches') }}
    union all
    select min(cast(touched_at as date)) as first_day from {{ ref('stg_marketing__sales_touches') }}

),

first_touch as (

    select min(first_day) as first_day from touch_firsts

),

boundary_var as (

    select {{ boundary_sql }} as first_day

)

select
    coalesce(boundary_var.first_day, first_lead.first_day, first_touch.first_day) as tracked_history_start_date,
    case
        when boundary_var.first_day is not null then 'var'
        when first_lead.first_day is not null then 'first_lead'
        when first_touch.first_day is not null then 'first_touch'
        else 'none'
    end as boundary_source
from boundary_var
cross join first_lead
cross join first_touch
