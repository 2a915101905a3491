{{
    config(
        materialized='incremental',
        unique_key='touchpoint_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- Marketing and sales touchpoints in one stream, the input of attribution. Only immutable touch facts live
    here (no account or contact attributes that can change later), so an incremental run equals a full one. -#}
with

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
        unioned.channel,
        coalesce(channels.channel_group, 'Unmapped') as channel_group,
        unioned.campaign_id,
        unioned.touch_detail,
        unioned.user_id,
        unioned.touched_at,
        cast(unioned.touched_at as date) as touched_date,
        unioned.loaded_at as last_loaded_at
    from unioned
    left join channels
        on unioned.channel = channels.channel

)

select * from final
