"""Config-driven file feeds: landed CSV → bronze → silver (Iceberg) → warehouse."""
