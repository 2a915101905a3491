{#- One row per stage spell: one entry of a staged opportunity into a stage (stage history row), with the
    next stage it moved to and when, the time it spent there (completed spells) or has spent so far (open
    spells, to the as-of instant), whether the move went back to an earlier stage, and the deal-size band
    of the opportunity's ACV. Closed Won / Closed Lost entries are spells too (terminal, never open). -#}
{#- Pipeline order of the open stages; both closed stages rank after them. -#}
{%- set stage_order = open_stages() -%}
{#- Deal-size bands on the opportunity's ACV (var deal_size_bands): lower bound inclusive, upper exclusive. -#}
{%- set deal_size_bands = var('deal_size_bands') -%}
{%- set minutes_to_exit = dbt.datediff('entered_at', 'exited_at', 'minute') -%}
{%- set minutes_to_as_of = dbt.datediff('entered_at', 'as_of_at', 'minute') -%}
with

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

as_of as (

    select * from {{ ref('int_calendar__as_of_date') }}

),

stage_ranks as (

    {%- for stage in stage_order %}
    select '{{ stage }}' as stage_name, {{ loop.index }} as stage_order
    union all
    {%- endfor %}
    select 'Closed Won' as stage_name, {{ stage_order | length + 1 }} as stage_order
    union all
    select 'Closed Lost' as stage_name, {{ stage_order | length + 1 }} as stage_order

),

sequenced as (

    select
        stage_history_id,
        opportunity_id,
        stage_name,
        entered_at,
        lead(entered_at) over (
            partition by opportunity_id order by entered_at, stage_history_id
        ) as exited_at,
        lead(stage_name) over (
            partition by opportunity_id order by entered_at, stage_history_id
        ) as next_stage_name,
        row_number() over (
            partition by opportunity_id order by entered_at, stage_history_id
        ) as spell_number,
        row_number() over (
            partition by opportunity_id, stage_name order by entered_at, stage_history_id
        ) as stage_entry_number
    from stage_history

),

spells as (

    select
        sequenced.stage_history_id,
        sequenced.opportunity_id,
        opportunities.opportunity_type,
        coalesce(opportunities.account_segment, 'Unknown') as account_segment,
        opportunities.acv_amount,
        case
            when opportunities.acv_amount is null then 'Unknown'
            {%- for band in deal_size_bands %}
            {%- if band.upper is not none %}
            when opportunities.acv_amount < {{ band.upper }} then '{{ band.label }}'
            {%- else %}
            else '{{ band.label }}'
            {%- endif %}
            {%- endfor %}
        end as deal_size_band,
        sequenced.spell_number,
        sequenced.stage_name,
        stage_ranks.stage_order,
        sequenced.stage_entry_number,
        sequenced.entered_at,
        sequenced.exited_at,
        sequenced.next_stage_name,
        next_stage_ranks.stage_order as next_stage_order,
        sequenced.stage_name in ('Closed Won', 'Closed Lost') as is_terminal_stage,
        as_of.as_of_at
    from sequenced
    inner join opportunities
        on sequenced.opportunity_id = opportunities.opportunity_id
    left join stage_ranks
        on sequenced.stage_name = stage_ranks.stage_name
    left join stage_ranks as next_stage_ranks
        on sequenced.next_stage_name = next_stage_ranks.stage_name
    cross join as_of

),

final as (

    select
        stage_history_id,
        opportunity_id,
        opportunity_type,
        account_segment,
        acv_amount,
        deal_size_band,
        spell_number,
        stage_name,
        stage_order,
        stage_entry_number,
        stage_entry_number > 1 as is_reentry,
        entered_at,
        exited_at,
        next_stage_name,
        next_stage_order,
        is_terminal_stage,
        exited_at is not null as is_completed,
        exited_at is null and not is_terminal_stage as is_open,
        coalesce(next_stage_order < stage_order, false) as is_regression,
        case
            when exited_at is not null
                then cast(round(cast({{ minutes_to_exit }} as {{ dbt.type_numeric() }}) / 1440, 4) as numeric(12, 4))
        end as days_in_stage,
        case
            when exited_at is null and not is_terminal_stage
                then cast(round(cast({{ minutes_to_as_of }} as {{ dbt.type_numeric() }}) / 1440, 4) as numeric(12, 4))
        end as open_age_days
    from spells

)

select * from final
