{#- One row per segment (the account's current segment) x contract term (12/24/36 months) over the subscriptions
    in force at the end of the as-of date: how many, their share of the segment's subscriptions, ARR and
    average ACV (committed MRR x 12), the average contracted length so far (first version to the end of the
    current term), and the renewals these subscriptions have recorded with the average interval between a
    term's start and its renewal's start. -#}
with

versions as (

    select * from {{ ref('int_billing__subscription_versions') }}

),

accounts as (

    select * from {{ ref('dim_account') }}

),

subscription_starts as (

    select
        subscription_id,
        min(valid_from) as first_valid_from
    from versions
    group by subscription_id

),

in_force as (

    select
        versions.subscription_id,
        versions.account_id,
        versions.term_months,
        versions.end_date,
        versions.mrr_amount
    from versions
    where versions.is_in_force
        and cast(versions.valid_from as date) <= {{ as_of_date() }}
        and (versions.valid_to is null or cast(versions.valid_to as date) > {{ as_of_date() }})

),

version_terms as (

    select
        subscription_id,
        change_type,
        start_date,
        lag(start_date) over (partition by subscription_id order by valid_from) as previous_start_date
    from versions
    where cast(valid_from as date) <= {{ as_of_date() }}

),

renewals as (

    select
        subscription_id,
        count(*) as renewal_count,
        sum({{ dbt.datediff('previous_start_date', 'start_date', 'month') }}) as renewal_interval_months
    from version_terms
    where change_type = 'renewal'
        and previous_start_date is not null
    group by subscription_id

),

subscriptions as (

    select
        in_force.subscription_id,
        coalesce(accounts.segment, 'Unknown') as segment,
        in_force.term_months,
        in_force.mrr_amount * 12 as acv_amount,
        {{ dbt.datediff('cast(subscription_starts.first_valid_from as date)', 'in_force.end_date', 'month') }}
            as contract_length_months,
        coalesce(renewals.renewal_count, 0) as renewal_count,
        coalesce(renewals.renewal_interval_months, 0) as renewal_interval_months
    from in_force
    inner join subscription_starts
        on in_force.subscription_id = subscription_starts.subscription_id
    left join renewals
        on in_force.subscription_id = renewals.subscription_id
    left join accounts
        on in_force.account_id = accounts.account_id

),

segment_terms as (

    select
        segment,
        term_months,
        count(*) as subscription_count,
        sum(acv_amount) as arr_amount,
        avg(cast(contract_length_months as {{ dbt.type_numeric() }})) as average_contract_length_months,
        sum(renewal_count) as renewal_count,
        sum(renewal_interval_months) as renewal_interval_months
    from subscriptions
    group by segment, term_months

),

final as (

    select
        {{ dbt_utils.generate_surrogate_key(['segment', 'term_months']) }} as segment_term_id,
        segment,
        cast(term_months as {{ dbt.type_int() }}) as term_months,
        cast(subscription_count as {{ dbt.type_int() }}) as subscription_count,
        {{ safe_ratio('subscription_count', 'sum(subscription_count) over (partition by segment)') }}
            as segment_subscription_share,
        cast(arr_amount as {{ type_money() }}) as arr_amount,
        cast(arr_amount / nullif(subscription_count, 0) as {{ type_money() }}) as average_acv_amount,
        cast(round(average_contract_length_months, 1) as decimal(10, 1)) as average_contract_length_months,
        cast(renewal_count as {{ dbt.type_int() }}) as renewal_count,
        cast(
            round(cast(renewal_interval_months as {{ dbt.type_numeric() }}) / nullif(renewal_count, 0), 1)
            as decimal(10, 1)
        ) as average_renewal_interval_months
    from segment_terms

)

select * from final
