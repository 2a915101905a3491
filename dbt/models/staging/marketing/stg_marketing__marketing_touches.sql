with

touches as (

    select * from {{ ref('base_marketing__marketing_touches') }}
    where is_accepted_version

),

final as (

    select
        touch_id,
        contact_id,
        channel,
        campaign_id,
        interaction_type,
        touched_at,
        -- A form fill or a webinar registration is the web form submission that creates an inbound lead.
        interaction_type in ('form_fill', 'registration') as is_form_submission,
        batch_id,
        loaded_at
    from touches

)

select * from final
