-- Seed 000, Foundation: row counts across the data products' models, as the build counted them.
select
    model_name,
    row_count
from {{ ref('rpt_data_product_row_counts') }}
order by model_name
