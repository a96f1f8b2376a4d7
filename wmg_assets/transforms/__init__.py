"""Pure transformations: no Dagster, no network. They run the same in a Glue job."""
