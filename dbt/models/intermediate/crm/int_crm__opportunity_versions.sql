{#- Every accepted version of every opportunity (bronze CDC versions and snapshot versions) with the interval
    it was in effect. -#}
{{ cdc_versions(
    ref('base_crm__opportunities'),
    ref('snap_crm__opportunities') if snapshots_supported() else none,
    'opportunity_id',
    ['account_id', 'owner_user_id', 'stage_name', 'acv_amount', 'probability', 'forecast_category',
     'close_date', 'is_closed', 'is_won'],
) }}
