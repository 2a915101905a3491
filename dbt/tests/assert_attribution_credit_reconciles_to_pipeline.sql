{#- Seed 001's reconciliation, per attribution model and opportunity: every attributable opportunity is
    credited under every model, its credit fractions sum to 1 (within 1e-9), and its attributed pipeline and
    won amounts add up to its amounts exactly (so attributed + Unattributed = total pipeline per model). -#}
with

opportunities as (

    select * from {{ ref('int_attribution__opportunities') }}

),

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

models as (

    {{ values_as_rows('attribution_model', attribution_models()) }}

),

expected as (

    select
        models.attribution_model,
        opportunities.opportunity_id,
        opportunities.pipeline_amount,
        opportunities.won_amount
    from opportunities
    cross join models

),

credited as (

    select
        attribution_model,
        opportunity_id,
        sum(credit_fraction) as credit_fraction,
        sum(attributed_pipeline_amount) as attributed_pipeline_amount,
        sum(attributed_won_amount) as attributed_won_amount
    from credits
    group by attribution_model, opportunity_id

)

select
    expected.attribution_model,
    expected.opportunity_id,
    expected.pipeline_amount,
    credited.attributed_pipeline_amount,
    expected.won_amount,
    credited.attributed_won_amount,
    credited.credit_fraction
from expected
full outer join credited
    on expected.attribution_model = credited.attribution_model
        and expected.opportunity_id = credited.opportunity_id
where expected.opportunity_id is null
    or credited.opportunity_id is null
    or abs(credited.credit_fraction - 1) > 1e-9
    or credited.attributed_pipeline_amount <> expected.pipeline_amount
    or credited.attributed_won_amount <> expected.won_amount
