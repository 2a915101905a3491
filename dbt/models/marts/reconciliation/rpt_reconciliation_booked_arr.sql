{#- CRM against billing, per deal: one row per won New Business opportunity whose subscription billing recorded
    (int_billing__opportunity_subscriptions, change type new): the booked ACV against the billed ARR of the
    subscription it created (its first accepted MRR x 12). Reconciled when they differ by at most var
    reconciliation_booked_acv_tolerance of the ACV: a subscription priced at the won amount ties to the cent. -#}
with

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

opportunity_subscriptions as (

    select * from {{ ref('int_billing__opportunity_subscriptions') }}

),

compared as (

    select
        opportunities.opportunity_id,
        opportunity_subscriptions.subscription_id,
        opportunities.account_id,
        opportunities.close_date,
        opportunities.acv_amount as booked_acv_amount,
        opportunity_subscriptions.mrr_amount * 12 as billed_arr_amount
    from opportunities
    inner join opportunity_subscriptions
        on opportunities.opportunity_id = opportunity_subscriptions.opportunity_id
    where opportunities.is_won
        and opportunities.opportunity_type = 'New Business'
        and opportunity_subscriptions.change_type = 'new'

)

select
    opportunity_id,
    subscription_id,
    account_id,
    close_date,
    cast(booked_acv_amount as {{ type_money() }}) as booked_acv_amount,
    cast(billed_arr_amount as {{ type_money() }}) as billed_arr_amount,
    cast(billed_arr_amount - booked_acv_amount as {{ type_money() }}) as difference_amount,
    cast((billed_arr_amount - booked_acv_amount) / nullif(booked_acv_amount, 0) as decimal(12, 6)) as difference_rate,
    coalesce(
        abs(billed_arr_amount - booked_acv_amount)
        <= {{ var('reconciliation_booked_acv_tolerance') }} * booked_acv_amount,
        false
    ) as is_reconciled
from compared
