with source_rows as (
    select 1 as id, 1 as a, 'x' as b
    union all
    select 2 as id, null as a, 'y' as b
    union all
    select 3 as id, null as a, null as b
)

select
    id,
    {{ dbt_utils.generate_surrogate_key(['a', 'b']) }} as key_ab,
    {{ dbt_utils.generate_surrogate_key(['b']) }} as key_b
from source_rows
