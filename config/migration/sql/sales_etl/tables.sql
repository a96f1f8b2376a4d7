CREATE MULTISET TABLE sales.orders, NO FALLBACK, NO BEFORE JOURNAL, NO AFTER JOURNAL
(
  order_id   INTEGER NOT NULL,
  customer   VARCHAR(40) CHARACTER SET LATIN NOT CASESPECIFIC,
  amount     DECIMAL(18,2) COMPRESS 0,
  status     CHAR(1),
  order_date DATE FORMAT 'YYYY-MM-DD'
) UNIQUE PRIMARY INDEX (order_id);

CREATE SET TABLE sales.daily_totals
(
  order_date DATE NOT NULL,
  orders     INTEGER,
  revenue    DECIMAL(18,2)
) PRIMARY INDEX (order_date)
PARTITION BY RANGE_N(order_date BETWEEN DATE '2020-01-01' AND DATE '2030-12-31' EACH INTERVAL '1' MONTH);

REPLACE VIEW sales.open_orders AS
LOCKING ROW FOR ACCESS
SELECT order_id, customer, amount FROM sales.orders WHERE status = 'o';
