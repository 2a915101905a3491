{#
    Nothing lost between bronze and staging: every distinct bronze record (each key, plus each row that has
    no key) is in the staging model or in dq_rejected_rows, and in both exactly when its latest version was
    rejected after an accepted one (staging keeps the last accepted state; dq_rejected_rows flags it
    is_staged_at_earlier_version). Every other bronze row is an older or resent version of a record, reported
    as superseded_rows. Attach to a bronze source table.
#}
{% test bronze_ledger_balances(model, key, staging_model) %}

with

bronze as (

    select
        count(*) as bronze_rows,
        count(distinct {{ key }}) + sum(case when {{ key }} is null then 1 else 0 end) as bronze_records
    from {{ model }}

),

staged as (

    select
        count(*) as staged_rows,
        count(distinct {{ key }}) as staged_keys
    from {{ staging_model }}

),

rejected as (

    select *
    from {{ ref('dq_rejected_rows') }}
    where source_table = '{{ model.identifier }}'

),

rejected_counts as (

    select
        count(*) as rejected_rows,
        sum(case when is_staged_at_earlier_version then 1 else 0 end) as rejected_staged_earlier
    from rejected

),

overlap as (

    select count(*) as staged_and_rejected
    from {{ staging_model }} as staged_records
    inner join rejected
        on cast(staged_records.{{ key }} as {{ dbt.type_string() }}) = rejected.record_key

),

ledger as (

    select
        bronze.bronze_rows,
        bronze.bronze_records,
        staged.staged_rows,
        staged.staged_keys,
        rejected_counts.rejected_rows,
        coalesce(rejected_counts.rejected_staged_earlier, 0) as rejected_staged_earlier,
        bronze.bronze_rows - bronze.bronze_records as superseded_rows,
        overlap.staged_and_rejected
    from bronze
    cross join staged
    cross join rejected_counts
    cross join overlap

)

select *
from ledger
where bronze_records <> staged_rows + rejected_rows - staged_and_rejected
    or staged_keys <> staged_rows
    or staged_and_rejected <> rejected_staged_earlier

{% endtest %}
