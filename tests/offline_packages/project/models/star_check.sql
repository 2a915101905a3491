select
    {{ dbt_utils.star(
        from=ref('star_source'),
        relation_alias='src',
        except=['SECRET_TOKEN'],
        prefix='p_',
        suffix='_s'
    ) }}
from {{ ref('star_source') }} as src
