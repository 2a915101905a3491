{#- Every accepted version of every subscription (bronze CDC versions and snapshot versions) with the
    interval it was in effect. A version is in force when its status is active. -#}
with

versions as (

    {{ cdc_versions(
        ref('base_billing__subscriptions'),
        ref('snap_billing__subscriptions') if snapshots_supported() else none,
        'subscription_id',
        ['account_id', 'opportunity_id', 'plan_name', 'term_months', 'start_date', 'end_date', 'mrr_amount',
         'subscription_status', 'change_type'],
    ) }}

)

select
    *,
    subscription_status = 'active' as is_in_force
from versions
