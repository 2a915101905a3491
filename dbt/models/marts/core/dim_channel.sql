{#- One row per channel touchpoints and spend are reported under (from the channels seed). -#}
select
    channel,
    channel_group,
    touchpoint_type,
    is_paid,
    description as channel_description
from {{ ref('channels') }}
