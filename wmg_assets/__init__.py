"""WMG Platform assets: file feeds, datamarts, gold and the migration toolkit."""
