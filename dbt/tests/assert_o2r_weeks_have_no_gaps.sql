{#- Weekly spines without holes: every cut value of every weekly O2R mart has one row per week from the first
    week to the last, and every account of the panel one row per week from its first week to the as-of week.
    Returns the series whose row count differs from the number of weeks they span. -#}
{%- set weekly_marts = ['rpt_o2r_revenue_weekly', 'rpt_o2r_product_weekly', 'rpt_o2r_customer_weekly'] -%}
with

series as (

    {%- for mart in weekly_marts %}
    select
        '{{ mart }}' as model_name,
        {{ dbt.concat(['cut_name', "':'", 'cut_value']) }} as series_key,
        count(*) as row_count,
        count(distinct week_start_date) as week_count,
        min(week_start_date) as first_week_start_date,
        max(week_start_date) as last_week_start_date
    from {{ ref(mart) }}
    group by cut_name, cut_value
    union all
    {%- endfor %}
    select
        'fct_account_weekly' as model_name,
        account_id as series_key,
        count(*) as row_count,
        count(distinct week_start_date) as week_count,
        min(week_start_date) as first_week_start_date,
        max(week_start_date) as last_week_start_date
    from {{ ref('fct_account_weekly') }}
    group by account_id

)

select *
from series
where row_count <> week_count
    or week_count <> {{ dbt.datediff('first_week_start_date', 'last_week_start_date', 'day') }} / 7 + 1
    or last_week_start_date <> {{ week_start(as_of_date()) }}
