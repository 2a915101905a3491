{#- One row: the date every "days since" is measured to. The as_of_date var wins; otherwise the latest day
    with CRM, marketing or billing activity in the staged data (quarantined rows, such as timestamps after
    their load, never count). -#}
with

latest_events as (

    select max(cast(occurred_at as date)) as event_date from {{ ref('stg_crm__activities') }}
    union all
    select max(cast(created_at as date)) from {{ ref('stg_crm__leads') }}
    union all
    select max(cast(touched_at as date)) from {{ ref('stg_marketing__marketing_touches') }}
    union all
    select max(invoice_date) from {{ ref('stg_billing__invoices') }}

)

select
    {%- if var('as_of_date') %}
    cast('{{ var("as_of_date") }}' as date) as as_of_date,
    'var' as as_of_date_source
    {%- else %}
    max(event_date) as as_of_date,
    'latest_event' as as_of_date_source
    {%- endif %}
from latest_events
