with

touches as (

    select * from {{ ref('base_marketing__sales_touches') }}
    where is_accepted_version

),

final as (

    select
        touch_id,
        contact_id,
        user_id,
        channel,
        touch_method,
        touched_at,
        batch_id,
        loaded_at
    from touches

)

select * from final
