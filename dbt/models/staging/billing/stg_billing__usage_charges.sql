with

usage_charges as (

    select * from {{ ref('base_billing__usage_charges') }}
    where is_accepted_version

),

final as (

    select
        usage_charge_id,
        account_id,
        subscription_id,
        usage_month_date,
        tokens_used,
        tokens_included,
        overage_price_per_1k_tokens_amount,
        usage_charge_amount,
        case when tokens_used > tokens_included then tokens_used - tokens_included else 0 end as overage_tokens,
        batch_id,
        loaded_at
    from usage_charges

)

select * from final
