with

subscriptions as (

    select * from {{ ref('base_billing__subscriptions') }}
    where is_accepted_version

),

final as (

    select
        subscription_id,
        account_id,
        opportunity_id,
        plan_name,
        term_months,
        start_date,
        end_date,
        mrr_amount,
        included_tokens_monthly,
        subscription_status,
        change_type,
        cancelled_at,
        updated_at,
        has_quarantined_update,
        batch_id,
        loaded_at
    from subscriptions

)

select * from final
