{#- Every accepted version of every subscription (bronze CDC versions and snapshot versions) with the
    interval it was in effect. A version is in force when its status is active. A subscription whose newest
    version was quarantined stays in its last accepted state, flagged has_quarantined_update. -#}
with

versions as (

    {{ cdc_versions(
        ref('base_billing__subscriptions'),
        ref('snap_billing__subscriptions'),
        'subscription_id',
        ['account_id', 'opportunity_id', 'plan_name', 'term_months', 'start_date', 'end_date', 'mrr_amount',
         'subscription_status', 'change_type'],
    ) }}

),

current_subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

)

select
    versions.*,
    versions.subscription_status = 'active' as is_in_force,
    coalesce(current_subscriptions.has_quarantined_update, false) as has_quarantined_update
from versions
left join current_subscriptions
    on versions.subscription_id = current_subscriptions.subscription_id
