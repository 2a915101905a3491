{#- One row per acquisition cohort (first paying month) x segment (current) x months since the cohort's first
    paying month, up to the as-of month: cohort logos, logos still paying, starting MRR (the cohort's MRR in its
    first paying month), MRR of the cohort at that month (net: expansion in, churn out), the expansion MRR of
    accounts above their starting MRR, and logo / revenue retention and expansion ratios. -#}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

cohort_accounts as (

    select
        account_id,
        subscription_mrr_amount as starting_mrr_amount
    from mrr
    where months_since_first_paying = 0

),

cohort_months as (

    select
        mrr.first_paying_month_date as cohort_month_date,
        mrr.segment,
        mrr.months_since_first_paying,
        count(*) as cohort_account_count,
        sum(case when mrr.is_paying then 1 else 0 end) as retained_account_count,
        sum(cohort_accounts.starting_mrr_amount) as starting_mrr_amount,
        sum(mrr.subscription_mrr_amount) as retained_mrr_amount,
        sum(
            case
                when mrr.subscription_mrr_amount > cohort_accounts.starting_mrr_amount
                    then mrr.subscription_mrr_amount - cohort_accounts.starting_mrr_amount
                else 0
            end
        ) as expansion_mrr_amount
    from mrr
    inner join cohort_accounts
        on mrr.account_id = cohort_accounts.account_id
    where mrr.months_since_first_paying is not null
    group by mrr.first_paying_month_date, mrr.segment, mrr.months_since_first_paying

),

final as (

    select
        {{ dbt_utils.generate_surrogate_key(['cohort_month_date', 'segment', 'months_since_first_paying']) }}
            as cohort_month_segment_id,
        cohort_month_date,
        segment,
        cast(months_since_first_paying as {{ dbt.type_int() }}) as months_since_first_paying,
        cast(cohort_account_count as {{ dbt.type_int() }}) as cohort_account_count,
        cast(retained_account_count as {{ dbt.type_int() }}) as retained_account_count,
        cast(starting_mrr_amount as {{ type_money() }}) as starting_mrr_amount,
        cast(retained_mrr_amount as {{ type_money() }}) as retained_mrr_amount,
        cast(expansion_mrr_amount as {{ type_money() }}) as expansion_mrr_amount,
        {{ safe_ratio('retained_account_count', 'cohort_account_count') }} as logo_retention_rate,
        {{ safe_ratio('retained_mrr_amount', 'starting_mrr_amount') }} as revenue_retention_rate,
        {{ safe_ratio('expansion_mrr_amount', 'starting_mrr_amount') }} as expansion_ratio
    from cohort_months

)

select * from final
