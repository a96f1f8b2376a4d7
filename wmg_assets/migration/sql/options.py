"""What a conversion may be told about where its output runs."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConversionOptions:
    catalog: str | None = None  # Spark: tables as <catalog>.<schema>.<table> (glue_catalog)
    default_schema: str = "default"  # Spark, with a catalog: the schema of unqualified tables
    external_schemas: frozenset[str] = field(default_factory=frozenset)
    """Redshift: schemas whose tables are Iceberg tables, read as `ext_<schema>.<table>`."""
