{#
    Layer schemas are named by the model's `schema` config. The target's own schema acts as a prefix so
    developers and CI never collide with production:
      prod (target schema "public")  -> staging, intermediate, marts
      dev  (target schema "dev")     -> dev_staging, dev_intermediate, dev_marts
      ci   (target schema "pr_123")  -> pr_123_staging, ...
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = target.schema | trim -%}
    {%- if custom_schema_name is none -%}
        {{ prefix }}
    {%- elif prefix in ("", "public") -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ prefix }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
