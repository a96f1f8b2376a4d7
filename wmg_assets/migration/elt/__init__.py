"""Restartable ELT jobs: steps of SQL statements and file reads/writes (YAML or Python
classes), resumed at the statement that failed; the seed's executor layer."""
