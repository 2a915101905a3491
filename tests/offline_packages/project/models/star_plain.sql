select {{ dbt_utils.star(ref('star_source'), quote_identifiers=False) }}
from {{ ref('star_source') }}
