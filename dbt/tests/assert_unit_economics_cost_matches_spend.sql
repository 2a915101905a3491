{#-
    Identity: per channel, the cost in rpt_monthly_unit_economics (and in int_finance__channel_monthly_cost)
    over all months equals the staged spend up to the end of the as-of month: Inbound = every ad spend row
    + Inbound Sales pay, Outbound = Outbound Sales pay; Customer Success and Sales Leadership pay are in
    neither. Returns one row per channel whose totals differ.
-#}
with

monthly as (

    select * from {{ ref('rpt_monthly_unit_economics') }}

),

channel_costs as (

    select * from {{ ref('int_finance__channel_monthly_cost') }}

),

ad_spend as (

    select * from {{ ref('stg_spend__ad_daily') }}

),

team_pay as (

    select * from {{ ref('stg_spend__team_monthly') }}

),

bounds as (

    select
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', as_of_date())) }} as date) as next_month_start_date

),

staged as (

    select
        'Inbound' as channel,
        ad_spend.spend_amount as cost_amount
    from ad_spend
    cross join bounds
    where ad_spend.spend_date < bounds.next_month_start_date
    union all
    select
        case team_pay.team when 'Inbound Sales' then 'Inbound' else 'Outbound' end as channel,
        team_pay.total_pay_amount as cost_amount
    from team_pay
    cross join bounds
    where team_pay.team in ('Inbound Sales', 'Outbound Sales')
        and team_pay.month_start_date < bounds.next_month_start_date

),

staged_totals as (

    select
        channel,
        sum(cost_amount) as total_cost_amount
    from staged
    group by channel

),

report_totals as (

    select
        channel,
        sum(total_cost_amount) as total_cost_amount
    from monthly
    group by channel

),

intermediate_totals as (

    select
        channel,
        sum(total_cost_amount) as total_cost_amount
    from channel_costs
    group by channel

)

select
    staged_totals.channel,
    staged_totals.total_cost_amount as staged_cost_amount,
    intermediate_totals.total_cost_amount as intermediate_cost_amount,
    report_totals.total_cost_amount as report_cost_amount
from staged_totals
left join intermediate_totals
    on staged_totals.channel = intermediate_totals.channel
left join report_totals
    on staged_totals.channel = report_totals.channel
where abs(staged_totals.total_cost_amount - coalesce(intermediate_totals.total_cost_amount, 0)) > 0.01
    or abs(staged_totals.total_cost_amount - coalesce(report_totals.total_cost_amount, 0)) > 0.01
