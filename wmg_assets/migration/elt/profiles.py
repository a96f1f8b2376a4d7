"""Spark performance profiles (the seed's `performance` module): per-query Spark settings and
table caching, from the seed's three files:

- `executor.properties` (`#` comments, keys lower-cased, split at the first `=`):
  `table.size.threshold` (MB), `tables.csv.location`, `spark.config.csv.location`,
  `spark.optimization.property.location` (lines `k=v`: the session's baseline settings);
- `tables.csv` (`Table,Size(in MB)`): table sizes;
- `spark_config.csv` (`id,spark_configuration,caching_threshold,in_memory,
  cache_tables_before_query,uncache_tables_after_query`; lists `|`-separated): per query id.

Around a statement with a query id: cache the tables it names that are at or under the size
threshold (the query's own cache list wins), set the query's configuration, run, reset each
key — to the baseline when it has one, else to its value before the statement (the seed
left such keys changed) — and uncache. A missing file is logged and skipped, as the seed does.
"""

import csv
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableDetails:
    id: str
    spark_configuration: tuple[tuple[str, str], ...] = ()
    caching_threshold: float | None = None
    in_memory: bool = False
    cache_tables: tuple[str, ...] = ()
    uncache_tables: tuple[str, ...] = ()


def load_properties(path: Path) -> dict[str, str]:
    props: dict[str, str] = {}
    if not path.exists():
        log.warning("%s: no such properties file, skipped", path)
        return props
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        props[key.strip().lower()] = value.strip()
    return props


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        log.warning("%s: no such file, skipped", path)
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(f)
        ]


def _pipes(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("|") if p.strip())


def load_tables_csv(path: Path) -> dict[str, float]:
    """`{lower(table): size in MB}`."""
    return {r["Table"].lower(): float(r["Size(in MB)"]) for r in _rows(path) if r.get("Table")}


def load_spark_configuration_csv(path: Path) -> dict[str, TableDetails]:
    found = {}
    for r in _rows(path):
        settings = tuple(
            tuple(s.split("=", 1)) for s in _pipes(r.get("spark_configuration", "")) if "=" in s
        )
        threshold = r.get("caching_threshold") or None
        found[r["id"]] = TableDetails(
            r["id"],
            tuple((k.strip(), v.strip()) for k, v in settings),
            float(threshold) if threshold else None,
            r.get("in_memory", "").lower() == "true",
            _pipes(r.get("cache_tables_before_query", "")),
            _pipes(r.get("uncache_tables_after_query", "")),
        )
    return found


@dataclass
class PerformanceProfile:
    props: dict[str, str] = field(default_factory=dict)
    tables: dict[str, float] = field(default_factory=dict)
    queries: dict[str, TableDetails] = field(default_factory=dict)
    optimization: list[tuple[str, str]] = field(default_factory=list)
    baseline: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_properties(cls, path: Path) -> "PerformanceProfile":
        props = load_properties(path)

        def located(key: str) -> Path:
            value = Path(props.get(key, ""))
            return value if value.is_absolute() else path.parent / value

        optimization = []
        if "spark.optimization.property.location" in props:
            lines = load_properties(located("spark.optimization.property.location"))
            optimization = list(lines.items())
        return cls(
            props,
            load_tables_csv(located("tables.csv.location"))
            if "tables.csv.location" in props
            else {},
            load_spark_configuration_csv(located("spark.config.csv.location"))
            if "spark.config.csv.location" in props
            else {},
            optimization,
        )

    def apply_baseline(self, spark: Any) -> None:
        """`SET k = v` for each optimization property; kept as the baseline."""
        for key, value in self.optimization:
            spark.sql(f"SET {key} = {value}")
            self.baseline[key] = value

    def threshold(self, details: TableDetails | None) -> float:
        if details is not None and details.caching_threshold is not None:
            return details.caching_threshold
        return float(self.props.get("table.size.threshold", "0") or 0)

    def tablewise_cache(self, names: Sequence[str], details: TableDetails | None) -> list[str]:
        limit = self.threshold(details)
        return [n for n in names if n.lower() in self.tables and self.tables[n.lower()] <= limit]

    def cache_tables(self, query_id: str | None, names: Sequence[str]) -> list[str]:
        details = self.queries.get(query_id or "")
        if details is not None and details.cache_tables:
            return list(details.cache_tables)
        return self.tablewise_cache(names, details)

    def uncache_tables(self, query_id: str | None, cached: Sequence[str]) -> list[str]:
        details = self.queries.get(query_id or "")
        listed = list(details.uncache_tables) if details is not None else []
        return list(dict.fromkeys([*cached, *listed]))

    @contextmanager
    def around(
        self, spark: Any, query_id: str | None, table_names: Sequence[str] = ()
    ) -> Iterator[None]:
        """The statement's profile (module docstring), undone whatever happens."""
        details = self.queries.get(query_id or "")
        cached = self.cache_tables(query_id, table_names)
        for table in cached:
            spark.catalog.cacheTable(table)
        before = {}
        for key, value in details.spark_configuration if details else ():
            before[key] = spark.conf.get(key, None)
            spark.conf.set(key, value)
        try:
            yield
        finally:
            for key, previous in before.items():
                restored = self.baseline.get(key, previous)
                if restored is None:
                    spark.conf.unset(key)
                else:
                    spark.conf.set(key, restored)
            for table in self.uncache_tables(query_id, cached):
                if spark.catalog.tableExists(table):
                    spark.catalog.uncacheTable(table)
