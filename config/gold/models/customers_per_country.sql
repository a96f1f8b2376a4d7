select
    country,
    count(*) as customers,
    sum(case when is_active then 1 else 0 end) as active_customers,
    sum(credit_limit) as credit_limit
from {{ source('warehouse', 'customers') }}
group by country
