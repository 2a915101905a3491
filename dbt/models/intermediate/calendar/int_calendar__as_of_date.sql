{#- One row: the date every "days since" is measured to, and the instant every "hours since" is measured to.
    The as_of_date var wins (the instant is then the end of that day); otherwise the latest CRM, marketing or
    billing event in the staged data (quarantined rows, such as timestamps after their load, never count). -#}
{#- Stored, not a view: as_of_date() / as_of_timestamp() inline this as a scalar subquery, often dozens of times
    per model, and as a view each one would rescan four large tables. Incremental with the old row deleted
    first (in the same transaction), so a rebuild replaces the row in place: a table swap would drop every
    view that depends on it (Postgres drops a swapped-out table's dependents). -#}
{{ config(
    materialized=incremental_if_supported(),
    pre_hook="{% if is_incremental() %}delete from {{ this }}{% endif %}",
) }}
with

latest_events as (

    select max(occurred_at) as event_at from {{ ref('stg_crm__activities') }}
    union all
    select max(created_at) from {{ ref('stg_crm__leads') }}
    union all
    select max(touched_at) from {{ ref('stg_marketing__marketing_touches') }}
    union all
    select max(cast(invoice_date as {{ dbt.type_timestamp() }})) from {{ ref('stg_billing__invoices') }}

)

select
        {%- if var('as_of_date') %}
    -- Aggregated like the other branch, so the model stays one row.
    min(cast('{{ var("as_of_date") }}' as date)) as as_of_date,
    min({{ dbt.dateadd('day', 1, "cast('" ~ var('as_of_date') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}) as as_of_at,
    min('var') as as_of_date_source
    {%- else %}
    cast(max(event_at) as date) as as_of_date,
    max(event_at) as as_of_at,
    'latest_event' as as_of_date_source
    {%- endif %}
from latest_events
