{#- The segment cut and the plan cut each partition the base: per week, their rows add up to the 'all' row for
    every additive measure of the three weekly O2R marts. Returns the weeks where a cut does not add up. -#}
with

revenue as (

    select
        week_start_date,
        cut_name,
        sum(revenue_amount) as revenue_amount,
        sum(active_account_count) as active_account_count
    from {{ ref('rpt_o2r_revenue_weekly') }}
    group by week_start_date, cut_name

),

product as (

    select
        week_start_date,
        cut_name,
        sum(request_count) as request_count,
        sum(error_request_count) as error_request_count,
        sum(ticket_count) as ticket_count
    from {{ ref('rpt_o2r_product_weekly') }}
    group by week_start_date, cut_name

),

customer as (

    select
        week_start_date,
        cut_name,
        sum(signup_count) as signup_count,
        sum(retained_account_count) as retained_account_count
    from {{ ref('rpt_o2r_customer_weekly') }}
    group by week_start_date, cut_name

),

measures as (

    select
        revenue.week_start_date,
        revenue.cut_name,
        revenue.revenue_amount,
        revenue.active_account_count,
        product.request_count,
        product.error_request_count,
        product.ticket_count,
        customer.signup_count,
        customer.retained_account_count
    from revenue
    inner join product
        on revenue.week_start_date = product.week_start_date
            and revenue.cut_name = product.cut_name
    inner join customer
        on revenue.week_start_date = customer.week_start_date
            and revenue.cut_name = customer.cut_name

)

select
    cuts.week_start_date,
    cuts.cut_name
from measures as cuts
inner join measures as whole
    on cuts.week_start_date = whole.week_start_date
        and whole.cut_name = 'all'
where cuts.cut_name <> 'all'
    and (
        cuts.revenue_amount <> whole.revenue_amount
        or cuts.active_account_count <> whole.active_account_count
        or cuts.request_count <> whole.request_count
        or cuts.error_request_count <> whole.error_request_count
        or cuts.ticket_count <> whole.ticket_count
        or cuts.signup_count <> whole.signup_count
        or cuts.retained_account_count <> whole.retained_account_count
    )
