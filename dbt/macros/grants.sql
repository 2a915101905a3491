{#
    dbt's `grants` config grants SELECT on each mart relation, but a role also needs USAGE on the schema,
    and tables created later (by any build) must be readable without waiting for the next grant. Only the
    mart schemas are exposed: bronze and staging hold PII.
#}
{% macro grant_bi_reader_schema_access() -%}
    {{ return(adapter.dispatch('grant_bi_reader_schema_access', 'gtm_warehouse')()) }}
{%- endmacro %}

{% macro default__grant_bi_reader_schema_access() -%}
    select 1 {#- no-op: other warehouses manage schema-level grants through their own RBAC #}
{%- endmacro %}

{% macro postgres__grant_bi_reader_schema_access() -%}
    {%- if not execute -%}{{ return("select 1") }}{%- endif -%}
    {%- set role = var('bi_reader_role') -%}
    {%- set mart_schema = generate_schema_name('marts', none) -%}
    {%- set role_exists = run_query("select 1 from pg_roles where rolname = " ~ dbt.string_literal(role)) -%}
    {%- if role_exists | length == 0 -%}
        {{ log("Role " ~ role ~ " does not exist; skipping BI grants", info=true) }}
        {{ return("select 1") }}
    {%- endif -%}
    create schema if not exists {{ adapter.quote(mart_schema) }};
    grant usage on schema {{ adapter.quote(mart_schema) }} to {{ adapter.quote(role) }};
    grant select on all tables in schema {{ adapter.quote(mart_schema) }} to {{ adapter.quote(role) }};
    alter default privileges in schema {{ adapter.quote(mart_schema) }}
        grant select on tables to {{ adapter.quote(role) }}
{%- endmacro %}
