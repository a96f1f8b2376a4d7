select
    order_date,
    currency,
    count(*) as orders,
    sum(amount) as amount
from {{ source('warehouse', 'orders') }}
where status <> 'cancelled'
group by order_date, currency
