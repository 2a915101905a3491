{#- One row per opportunity that created or changed a subscription: the earliest accepted subscription version
    (int_billing__subscription_versions: bronze CDC versions plus snapshot versions) that
    records the opportunity, with its change type, term and MRR. Cancellation versions only repeat the last
    opportunity of the subscription and are ignored; a reactivation version repeats the original New
    Business opportunity, so that opportunity keeps its first (new) version. -#}
with

versions as (

    select * from {{ ref('int_billing__subscription_versions') }}

),

opportunity_versions as (

    select
        opportunity_id,
        subscription_id,
        account_id,
        change_type,
        plan_name,
        term_months,
        start_date,
        mrr_amount,
        valid_from,
        row_number() over (
            partition by opportunity_id
            order by valid_from, {{ bytewise('subscription_id') }}
        ) as version_rank
    from versions
    where opportunity_id is not null
        and change_type <> 'cancellation'

),

final as (

    select
        opportunity_id,
        subscription_id,
        account_id,
        change_type,
        plan_name,
        term_months,
        start_date as term_start_date,
        cast(mrr_amount as {{ type_money() }}) as mrr_amount,
        valid_from as subscription_changed_at
    from opportunity_versions
    where version_rank = 1

)

select * from final
