{#
    Repairs for the defects CRM and billing exports really have. Each generator defect kind has a rule here
    or a quarantine reason in a base model. Every macro takes a SQL expression and returns one; the parsers
    return null (never an error) for text they cannot read, so a base model can quarantine the row as
    unparseable_value instead of failing the build.
#}

{#- Map case/underscore/whitespace variants ("closed_won", " Closed Won ", "SMB ") to the canonical spelling.
    Values outside the list pass through trimmed, so accepted_values tests still catch real surprises. -#}
{% macro canonical_value(expression, canonical_values) -%}
    case lower(trim({{ gtm_warehouse.regexp_replace(expression, '[_[:space:]]+', ' ') }}))
    {%- for value in canonical_values %}
        when '{{ value | lower | replace('_', ' ') }}' then '{{ value }}'
    {%- endfor %}
        else trim({{ expression }})
    end
{%- endmacro %}

{#- Money exported as text in any of: 1234.56 | $1,234.56 | US$ 55 779,40 | 1.234,56 | -1234.00.
    A comma followed by one or two final digits is the decimal separator; any other comma or dot
    before it groups thousands. -#}
{% macro parse_amount(expression) -%}
    {%- set digits = gtm_warehouse.regexp_replace(expression, '[^0-9,.-]', '') -%}
    {%- set normalised -%}
        case
            when {{ digits }} like '%,__' or {{ digits }} like '%,_'
                then replace(replace({{ digits }}, '.', ''), ',', '.')
            else replace({{ digits }}, ',', '')
        end
    {%- endset -%}
    {#- Only digits with separators, an optional sign and an optional currency prefix ("US$", "$", "EUR"):
        anything else ("about 5k") is unparseable rather than read as a different number. -#}
    case
        when {{ gtm_warehouse.regexp_like(
            "trim(" ~ expression ~ ")", '^-?[A-Za-z]{0,3}[$]?[[:space:]]?-?[0-9][0-9 .,]*$'
        ) }}
            and {{ gtm_warehouse.regexp_like(normalised, '^-?[0-9]+([.][0-9]+)?$') }}
            then cast({{ normalised }} as {{ type_money() }})
    end
{%- endmacro %}

{#- Years exported with the century dropped to zeros (0024-05-01 for 2024-05-01). -#}
{% macro fix_zero_century(expression) -%}
    case
        when {{ expression }} like '00%'
            then {{ dbt.concat(["'20'", dbt.right(expression, dbt.length(expression) ~ " - 2")]) }}
        else {{ expression }}
    end
{%- endmacro %}

{#- Text timestamp (ISO date and time, optional zone offset, optional zero-century year) -> UTC timestamp. -#}
{% macro clean_timestamp_text(expression) -%}
    {%- set text = fix_zero_century("nullif(trim(" ~ expression ~ "), '')") -%}
    case
        when {{ gtm_warehouse.regexp_like(text,
            '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
            ~ '([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$') }}
            then {{ to_utc_timestamp(text) }}
    end
{%- endmacro %}

{#- Text date (ISO, optional zero-century year) -> date. -#}
{% macro clean_date_text(expression) -%}
    {%- set text = fix_zero_century("nullif(trim(" ~ expression ~ "), '')") -%}
    case
        when {{ gtm_warehouse.regexp_like(text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }}
            then cast({{ text }} as date)
    end
{%- endmacro %}

{#- Python-list strings ("['call', 'email']") and plain lists ("call,email") -> "call,email". -#}
{% macro normalise_list(expression) -%}
    nullif({{ gtm_warehouse.regexp_replace(expression, "[][ ''\"]", '') }}, '')
{%- endmacro %}

{#- Number of items in a list normalised by normalise_list. -#}
{% macro list_length(normalised_expression) -%}
    coalesce({{ dbt.length(normalised_expression) }}
        - {{ dbt.length(dbt.replace(normalised_expression, "','", "''")) }} + 1, 0)
{%- endmacro %}

{#- Emails as typed: trimmed and lower-cased, with the two repairable typos fixed (an "@" written as
    " at ", and a doubled "@@"). What still fails email_pattern() is quarantined where email is required. -#}
{% macro clean_email(expression) -%}
    nullif(replace(replace(lower(trim({{ expression }})), ' at ', '@'), '@@', '@'), '')
{%- endmacro %}

{% macro email_pattern() -%}
    ^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$
{%- endmacro %}

{#- Whether a timestamp lies after the moment its row was loaded: no source can report that. -#}
{% macro is_after_load(timestamp_expression, loaded_at_expression='loaded_at') -%}
    ({{ timestamp_expression }} > {{ loaded_at_expression }})
{%- endmacro %}

{#- The one money type: cents precision, a decimal every warehouse reads the same way. -#}
{% macro type_money() -%}
    decimal(18, 2)
{%- endmacro %}
