{#- Seed 000's data-product models: the marts its dashboards and reverse-ETL read, whose row counts
    rpt_data_product_row_counts records at build time. -#}
{% macro data_product_models() -%}
    {{ return([
        'ops_leads',
        'ops_opportunities',
        'ops_pipeline_health',
        'rpt_lead_outreach_priority',
        'rpt_channel_efficiency',
        'rpt_pipeline_health',
        'rpt_monthly_unit_economics',
    ]) }}
{%- endmacro %}
