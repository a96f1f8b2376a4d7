"""A warm `wmg` worker: one long-lived process per `WMG_HOME` that has already imported
Dagster, Arrow, pyiceberg, DuckDB and Ibis, and forks a fresh child for each `wmg` command.

A new `wmg` process spends 3 to 4 s importing those libraries before it does any work; with a
worker running (`wmg worker start`) a command skips that. The child gets the caller's
terminal (its stdin, stdout and stderr are passed over the socket), working directory,
environment and arguments, and imports WMG's own code fresh, so an edit to a feed or to the
code is seen by the next command. See `docs/worker.md`.
"""
