"""Gold: the dbt project of `$WMG_CONFIG_DIR/gold/`, built after the feeds' tables."""
