"""Table-data migration between databases and accounts, and its proof: the reconciliation
by checksums of key segments, bisected where they differ (pure planning; I/O through the
connections passed in)."""
