{#- fct_mrr has exactly the rows of int_billing__account_monthly_mrr (one per account x month) with the same
    MRR: returns the account-months missing on either side or whose subscription MRR differs. -#}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

account_monthly_mrr as (

    select * from {{ ref('int_billing__account_monthly_mrr') }}

)

select
    coalesce(mrr.account_id, account_monthly_mrr.account_id) as account_id,
    coalesce(mrr.month_start_date, account_monthly_mrr.month_start_date) as month_start_date,
    mrr.subscription_mrr_amount,
    account_monthly_mrr.mrr_amount
from mrr
full outer join account_monthly_mrr
    on mrr.account_id = account_monthly_mrr.account_id
        and mrr.month_start_date = account_monthly_mrr.month_start_date
where
    mrr.account_id is null
    or account_monthly_mrr.account_id is null
    or mrr.subscription_mrr_amount <> account_monthly_mrr.mrr_amount
