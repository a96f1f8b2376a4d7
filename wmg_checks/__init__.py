"""Asset checks: data quality, reconciliation and DDL validation."""
