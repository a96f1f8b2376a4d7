"""Gold: business aggregates defined in config, materialized after their upstream."""
