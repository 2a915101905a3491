with

invoices as (

    select * from {{ ref('base_billing__invoices') }}
    where is_accepted_version

),

final as (

    select
        invoice_id,
        account_id,
        subscription_id,
        invoice_type,
        invoice_date,
        period_start_date,
        period_end_date,
        invoice_amount,
        currency_code,
        invoice_status,
        paid_at,
        updated_at,
        has_quarantined_update,
        invoice_status = 'paid' as is_paid,
        batch_id,
        loaded_at
    from invoices

)

select * from final
