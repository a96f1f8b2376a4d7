"""Teradata → Redshift / Spark SQL conversion that is never silently wrong.

`convert(sql, target)` parses Teradata with sqlglot (extended in `dialect.py`), rewrites each
statement with the target's rules (`rules/`), checks that nothing Teradata-only or unknown is
left (`strict.py`), and renders it. A statement either converts, with any notes as findings,
or is flagged with an error finding and a reason — never passed through.
"""

from wmg_assets.migration.sql.convert import Conversion, StatementResult, convert
from wmg_assets.migration.sql.findings import Finding, Severity
from wmg_assets.migration.sql.options import ConversionOptions

__all__ = ["Conversion", "ConversionOptions", "Finding", "Severity", "StatementResult", "convert"]
