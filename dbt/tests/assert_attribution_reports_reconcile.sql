{#- Every attribution report shares out the same pipeline: per model, the rows of each report add up to the
    total pipeline, won revenue and opportunity count of int_attribution__opportunities, and each model's
    column of the comparison table adds up to the total pipeline. Returns the reports that do not. -#}
{%- set reports = ['rpt_attribution_by_channel', 'rpt_attribution_by_segment', 'rpt_attribution_by_touchpoint_type',
                   'rpt_attribution_by_month'] -%}
with

totals as (

    select
        sum(pipeline_amount) as pipeline_amount,
        sum(won_amount) as won_amount,
        count(*) as opportunity_count
    from {{ ref('int_attribution__opportunities') }}

),

report_totals as (

    {%- for report in reports %}
    select
        '{{ report }}' as report,
        attribution_model,
        sum(attributed_pipeline_amount) as pipeline_amount,
        sum(attributed_won_amount) as won_amount,
        sum(attributed_opportunity_count) as opportunity_count
    from {{ ref(report) }}
    group by attribution_model
    union all
    {%- endfor %}
    {%- for model in attribution_models() %}
    select
        'rpt_attribution_model_comparison' as report,
        '{{ model }}' as attribution_model,
        sum({{ model }}_pipeline_amount) as pipeline_amount,
        null as won_amount,
        null as opportunity_count
    from {{ ref('rpt_attribution_model_comparison') }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

)

select
    report_totals.*,
    totals.pipeline_amount as total_pipeline_amount
from report_totals
cross join totals
where report_totals.pipeline_amount <> totals.pipeline_amount
    or report_totals.won_amount <> totals.won_amount
    -- fractions are rounded to 4 decimals per row before they are summed
    or abs(report_totals.opportunity_count - totals.opportunity_count) > 0.0001 * totals.opportunity_count
