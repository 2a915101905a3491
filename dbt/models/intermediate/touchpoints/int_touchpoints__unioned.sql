{{
    config(
        materialized=incremental_if_supported(),
        unique_key='touchpoint_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- Marketing and sales touchpoints in one shape, each with the account of its contact: the input of
    attribution. Incremental: a run re-reads the touches loaded since the last run and every touch of a
    contact with a version loaded since then (the contact may have moved account or been quarantined), so
    an incremental run equals a full one. -#}
-- depends_on: {{ ref('base_crm__contacts') }}
with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

{%- if is_incremental() %}

changed_contacts as (

    select distinct contact_id
    from {{ ref('base_crm__contacts') }}
    where loaded_at > {{ incremental_load_watermark() }}

),
{%- endif %}

marketing_touches as (

    select
        touch_id,
        'marketing' as touchpoint_type,
        contact_id,
        channel,
        campaign_id,
        interaction_type as touch_detail,
        cast(null as {{ dbt.type_string() }}) as user_id,
        touched_at,
        loaded_at
    from {{ ref('stg_marketing__marketing_touches') }}
    {%- if is_incremental() %}
    where loaded_at > {{ incremental_load_watermark() }}
        or contact_id in (select changed_contacts.contact_id from changed_contacts)
    {%- endif %}

),

sales_touches as (

    select
        touch_id,
        'sales' as touchpoint_type,
        contact_id,
        channel,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        touch_method as touch_detail,
        user_id,
        touched_at,
        loaded_at
    from {{ ref('stg_marketing__sales_touches') }}
    {%- if is_incremental() %}
    where loaded_at > {{ incremental_load_watermark() }}
        or contact_id in (select changed_contacts.contact_id from changed_contacts)
    {%- endif %}

),

unioned as (

    select * from marketing_touches
    union all
    select * from sales_touches

),

channels as (

    select * from {{ ref('channels') }}

),

final as (

    select
        {{ dbt.concat(['unioned.touchpoint_type', "'-'", 'unioned.touch_id']) }} as touchpoint_id,
        unioned.touch_id,
        unioned.touchpoint_type,
        unioned.contact_id,
        contacts.account_id,
        unioned.channel,
        coalesce(channels.channel_group, 'Unmapped') as channel_group,
        unioned.campaign_id,
        unioned.touch_detail,
        unioned.user_id,
        unioned.touched_at,
        cast(unioned.touched_at as date) as touched_date,
        -- The watermark moves with the touch and with its contact's staged version.
        case
            when contacts.loaded_at > unioned.loaded_at then contacts.loaded_at
            else unioned.loaded_at
        end as last_loaded_at
    from unioned
    left join contacts
        on unioned.contact_id = contacts.contact_id
    left join channels
        on unioned.channel = channels.channel

)

select * from final
