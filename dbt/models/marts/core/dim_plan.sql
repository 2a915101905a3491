{#- One row per subscription plan (from the plans seed, the price book). -#}
select
    plan_name,
    plan_tier,
    list_mrr_amount,
    included_tokens_monthly,
    overage_price_per_1k_tokens_amount,
    description as plan_description
from {{ ref('plans') }}
