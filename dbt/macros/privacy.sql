{#
    Contact details typed into a free-text field (an account named "Jane Doe jane@example.com +1 555 0100 123"
    in a user's own CRM export) must not travel to the marts, which promise no raw email address or phone
    number. Free-text columns pass through mask_pii in their base model: every email address becomes
    [email] and every phone number [phone]; the rest of the text is kept.
    Phone numbers: international ones written with a leading + or 00 (+49 30 1234567, 0049 30 1234567) and
    ten-digit ones with or without separators (555-123-4567, (555) 123 4567), never inside a word or an id
    (ACC-000123456) and never a date (2024-05-14), which would otherwise garble campaign names.
#}
{% macro mask_pii(expression) -%}
    regexp_replace(
        regexp_replace(
            {{ expression }},
            '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}',
            '[email]',
            'g'
        ),
        '(?<![0-9A-Za-z_-])(?:(?:\+|00)[0-9]{1,3}(?:[ .-]?\(?[0-9]{2,4}\)?){2,6}'
        || '|\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{3,4})(?![0-9])',
        '[phone]',
        'g'
    )
{%- endmacro %}
