with

responses as (

    select * from {{ ref('base_support__survey_responses') }}
    where is_accepted_version

),

final as (

    select
        response_id,
        account_id,
        contact_id,
        ticket_id,
        survey_type,
        score,
        responded_at,
        -- NPS buckets (0-6 detractor, 7-8 passive, 9-10 promoter); null for CSAT.
        case
            when survey_type = 'NPS' and score >= 9 then 'promoter'
            when survey_type = 'NPS' and score >= 7 then 'passive'
            when survey_type = 'NPS' then 'detractor'
        end as nps_category,
        batch_id,
        loaded_at
    from responses

)

select * from final
