"""Resources: the outside world (lake, warehouse, engine, Iceberg). No asset lives here.

`wmg_resources.resources.build_resources` assembles them for an environment. Importing this
package imports nothing else, so light commands (`wmg --help`, `wmg sql convert`) start fast.
"""
