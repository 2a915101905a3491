select
    1 as id,
    'a' as name,
    's' as secret_token,
    cast('2024-01-01' as date) as created_on
