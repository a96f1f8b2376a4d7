"""Reconciliation of a copied table with its source, by checksums of key segments computed
in each database (no rows pulled), bisected only where the checksums differ — data-diff /
reladiff's method:

1. The key space is cut into segments. A single integer key is cut arithmetically and all
   segments' checksums come from one `GROUP BY` scan per side; any other key (text,
   composite) is cut at checkpoints read from the larger side (every n-th key).
2. Each segment's (count, sum of the rows' hash numbers) is compared (`checksums.py`).
3. A differing segment is cut again, until it holds at most `leaf_rows` rows; then its rows
   (keys and canonical texts only) are read from both sides and compared: keys missing in
   the target, keys missing in the source, and rows whose values differ, with the columns
   that differ.

When little differs the cost is about one scan of each table (aggregates only), the two
sides scanning at once.
"""

import itertools
import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wmg_assets.migration.data.checksums import (
    bound_params,
    canonical,
    key_sql,
    row_number_sql,
    tuple_bound,
)

Key = tuple[Any, ...]
T = TypeVar("T")


@dataclass(frozen=True)
class Side:
    """One table to compare: a connection (`query`, `dialect`, `param`), the table as
    `schema.table`, and an optional filter (SQL, from the spec)."""

    db: Any
    table: str
    where: str | None = None

    @property
    def dialect(self) -> str:
        return self.db.dialect

    def name_sql(self) -> str:
        from wmg_assets.migration.schema.ddl_text import dotted_name_sql

        return dotted_name_sql(self.table, self.dialect)


@dataclass
class Reconciliation:
    source_rows: int = 0
    target_rows: int = 0
    missing_in_target: list[Key] = field(default_factory=list)
    missing_in_source: list[Key] = field(default_factory=list)
    changed: list[tuple[Key, list[str]]] = field(default_factory=list)  # key, columns
    counts: dict[str, int] = field(default_factory=dict)  # the full counts (lists: first N)
    columns: list[str] = field(default_factory=list)  # compared (keys excluded)
    only_in_one: list[str] = field(default_factory=list)  # columns not compared
    queries: int = 0
    rows_read: int = 0  # rows fetched into Python at the leaves

    @property
    def matched(self) -> bool:
        return not any(
            self.counts.get(k) for k in ("missing_in_target", "missing_in_source", "changed")
        )


class _Compare:
    def __init__(
        self,
        source: Side,
        target: Side,
        keys: Sequence[str],
        columns: list[str],
        leaf_rows: int,
        fanout: int,
        shown: int,
    ) -> None:
        self.sides = (source, target)
        self.keys, self.columns = list(keys), columns
        self.leaf_rows, self.fanout, self.shown = leaf_rows, fanout, shown
        self.result = Reconciliation(columns=columns)
        self._lock = threading.Lock()  # the counters, updated from both sides' threads
        self.text_key = self._text_keys()
        self.same_types = self._same_postgres_types()

    # -- SQL ---------------------------------------------------------------------------

    def _query(self, side: Side, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            self.result.queries += 1
        return side.db.query(sql, list(params) if params else None)[1]

    def _keys(self, side: Side) -> list[str]:
        return [key_sql(k, side.dialect, t) for k, t in zip(self.keys, self.text_key, strict=True)]

    def _where(self, side: Side, lo: Key | None, hi: Key | None) -> tuple[str, list[Any]]:
        keys = self._keys(side)
        parts, params = ([f"({side.where})"] if side.where else []), []
        if lo is not None:
            parts.append(tuple_bound(keys, ">=", side.db.param, len(keys)))
            params += bound_params(lo)
        if hi is not None:
            parts.append(tuple_bound(keys, "<", side.db.param, len(keys)))
            params += bound_params(hi)
        return (" WHERE " + " AND ".join(parts)) if parts else "", params

    def _text_keys(self) -> list[bool]:
        for side in self.sides:
            keys = ", ".join(self._plain_keys(side))
            rows = self._query(side, f"SELECT {keys} FROM {side.name_sql()} LIMIT 1")
            if rows:
                return [isinstance(v, str) for v in rows[0]]
        return [False] * len(self.keys)

    def _same_postgres_types(self) -> bool:
        """Whether both sides are PostgreSQL 14+ with the compared columns of the same
        types (then rows hash as records: equal values, equal hashes)."""
        if any(s.dialect != "postgres" for s in self.sides):
            return False
        found = []
        for side in self.sides:
            [(version,)] = self._query(side, "SELECT current_setting('server_version_num')")
            if int(version) < 140000:
                return False
            rows = self._query(
                side,
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                f"attrelid = CAST({side.db.param} AS regclass) AND attnum > 0 "
                "AND NOT attisdropped",
                [side.name_sql()],
            )
            types = dict(rows)
            found.append([types.get(c) for c in self.columns + self.keys])
        return found[0] == found[1] and None not in found[0]

    def _plain_keys(self, side: Side) -> list[str]:
        from wmg_assets.migration.schema.ddl_text import quoted

        return [quoted(k, side.dialect) for k in self.keys]

    def _sums(self, side: Side, select: str, where: str, group: bool) -> str:
        """count and the sum of the rows' hash numbers over rows of `where` (`select` adds
        the bucket column when `group`); the md5 appears once, so it is computed once."""
        same = self.sides[0].dialect == self.sides[1].dialect
        number = row_number_sql(self.columns + self.keys, side.dialect, same, self.same_types)
        tail = " GROUP BY 1" if group else ""
        return f"SELECT {select}count(*), sum({number}) FROM {side.name_sql()}{where}{tail}"

    def _checksum(self, side: Side, lo: Key | None, hi: Key | None) -> tuple[int, int]:
        where, params = self._where(side, lo, hi)
        [(count, total)] = self._query(side, self._sums(side, "", where, False), params)
        return int(count), int(total or 0)

    def _buckets(self, side: Side, low: int, width: int) -> dict[int, tuple[int, int]]:
        """Checksums of `[low + i*width, low + (i+1)*width)` for every i, in one scan."""
        key = self._plain_keys(side)[0]
        divide = "//" if side.dialect == "duckdb" else "/"
        bucket = f"(CAST({key} AS BIGINT) - {int(low)}) {divide} {int(width)}, "
        where, params = self._where(side, None, None)
        rows = self._query(side, self._sums(side, bucket, where, True), params)
        return {int(b): (int(c), int(total or 0)) for b, c, total in rows}

    def _key_range(self) -> tuple[int, int] | None:
        bounds = []
        for side in self.sides:
            key = self._plain_keys(side)[0]
            where, params = self._where(side, None, None)
            [(lo, hi)] = self._query(
                side, f"SELECT min({key}), max({key}) FROM {side.name_sql()}{where}", params
            )
            if lo is not None:
                bounds.append((int(lo), int(hi)))
        if not bounds:
            return None
        return min(b[0] for b in bounds), max(b[1] for b in bounds)

    def _checkpoints(self, side: Side, lo: Key | None, hi: Key | None, rows: int) -> list[Key]:
        keys = self._keys(side)
        step = max(1, math.ceil(rows / self.fanout))
        where, params = self._where(side, lo, hi)
        plain = ", ".join(self._plain_keys(side))
        sql = (
            f"SELECT {plain} FROM (SELECT {plain}, row_number() OVER (ORDER BY "
            f"{', '.join(keys)}) AS wmg_rn FROM {side.name_sql()}{where}) s "
            f"WHERE mod(wmg_rn, {step}) = 1 AND wmg_rn > 1 ORDER BY {', '.join(keys)}"
        )
        return [tuple(r) for r in self._query(side, sql, params)]

    def _rows(self, side: Side, lo: Key | None, hi: Key | None) -> dict[tuple, tuple]:
        where, params = self._where(side, lo, hi)
        keys_text = [canonical(k, side.dialect) for k in self.keys]
        texts = [canonical(c, side.dialect) for c in self.columns]
        plain = self._plain_keys(side)
        sql = f"SELECT {', '.join([*plain, *keys_text, *texts])} FROM {side.name_sql()}{where}"
        found = {}
        n = len(self.keys)
        for row in self._query(side, sql, params):
            found[tuple(row[n : 2 * n])] = (tuple(row[:n]), tuple(row[2 * n :]))
        with self._lock:
            self.result.rows_read += len(found)
        return found

    def _both(self, fn: Callable[[Side], T]) -> tuple[T, T]:
        """`fn` of each side; at once, in two threads, when the sides are two connections
        (each database scans while the other does: the drivers release the GIL)."""
        source, target = self.sides
        if source.db is target.db:
            return fn(source), fn(target)
        with ThreadPoolExecutor(max_workers=2) as pool:
            first, second = pool.submit(fn, source), pool.submit(fn, target)
            return first.result(), second.result()

    # -- the bisection -----------------------------------------------------------------

    def run(self) -> Reconciliation:
        single_int = len(self.keys) == 1 and not self.text_key[0]
        if single_int:
            span = self._key_range()
            if span is not None:
                self._integer_buckets(*span)
        else:
            self._segment(None, None)
        return self.result

    def _integer_buckets(self, low: int, high: int) -> None:
        total = max(self._count(s) for s in self.sides)
        segments = max(1, min(4096, math.ceil(total / self.leaf_rows)))
        width = max(1, math.ceil((high - low + 1) / segments))
        a, b = self._both(lambda side: self._buckets(side, low, width))
        self.result.source_rows = sum(v[0] for v in a.values())
        self.result.target_rows = sum(v[0] for v in b.values())
        for bucket in sorted(a.keys() | b.keys()):
            if a.get(bucket) != b.get(bucket):
                lo, hi = low + bucket * width, low + (bucket + 1) * width
                self._segment((lo,), (hi,), a.get(bucket, (0,))[0], b.get(bucket, (0,))[0])

    def _count(self, side: Side) -> int:
        where, params = self._where(side, None, None)
        return int(
            self._query(side, f"SELECT count(*) FROM {side.name_sql()}{where}", params)[0][0]
        )

    def _segment(
        self, lo: Key | None, hi: Key | None, rows_a: int | None = None, rows_b: int | None = None
    ) -> None:
        if rows_a is None or rows_b is None:
            a, b = self._both(lambda side: self._checksum(side, lo, hi))
            if lo is None and hi is None:
                self.result.source_rows, self.result.target_rows = a[0], b[0]
            if a == b:
                return
            rows_a, rows_b = a[0], b[0]
        if max(rows_a, rows_b) <= self.leaf_rows:
            self._compare_rows(lo, hi)
            return
        larger = self.sides[0] if rows_a >= rows_b else self.sides[1]
        points = self._checkpoints(larger, lo, hi, max(rows_a, rows_b))
        edges = [lo, *points, hi]
        for start, end in itertools.pairwise(edges):
            self._segment(start, end)

    def _compare_rows(self, lo: Key | None, hi: Key | None) -> None:
        mine, theirs = self._both(lambda side: self._rows(side, lo, hi))
        result = self.result
        for key in _in_key_order(mine.keys() - theirs.keys(), mine):
            self._add("missing_in_target", result.missing_in_target, mine[key][0])
        for key in _in_key_order(theirs.keys() - mine.keys(), theirs):
            self._add("missing_in_source", result.missing_in_source, theirs[key][0])
        for key in _in_key_order(mine.keys() & theirs.keys(), mine):
            a, b = mine[key][1], theirs[key][1]
            if a != b:
                differing = [c for c, x, y in zip(self.columns, a, b, strict=True) if x != y]
                self._add("changed", result.changed, (mine[key][0], differing))

    def _add(self, name: str, found: list, item: Any) -> None:
        self.result.counts[name] = self.result.counts.get(name, 0) + 1
        if len(found) < self.shown:
            found.append(item)


def _in_key_order(keys: set, rows: dict) -> list:
    """The keys in the order of their values (a mix that does not compare: their texts)."""
    try:
        return sorted(keys, key=lambda k: rows[k][0])
    except TypeError:  # e.g. a NULL in a composite key
        return sorted(keys)


def table_columns(side: Side) -> list[str]:
    names, _ = side.db.query(f"SELECT * FROM {side.name_sql()} WHERE 1 = 0")
    return list(names)


def reconcile_tables(
    source: Side,
    target: Side,
    keys: Sequence[str],
    columns: Sequence[str] | None = None,
    leaf_rows: int = 2000,
    fanout: int = 16,
    shown: int = 100,
) -> Reconciliation:
    """Compare `target` with `source` by `keys` (module docstring); `columns` default to the
    columns both tables have (names compared case-blind)."""
    if not keys:
        raise ValueError("a reconciliation needs the key column(s)")
    mine, theirs = table_columns(source), table_columns(target)
    lowered = {c.lower() for c in theirs}
    missing_keys = [k for k in keys if k.lower() not in lowered or k not in mine]
    if missing_keys:
        raise ValueError(f"key column(s) {missing_keys} not in both tables")
    key_set = {k.lower() for k in keys}
    common = [c for c in mine if c.lower() in lowered and c.lower() not in key_set]
    chosen = list(columns) if columns is not None else common
    compare = _Compare(source, target, keys, chosen, leaf_rows, fanout, shown)
    result = compare.run()
    result.only_in_one = sorted(
        {c for c in mine if c.lower() not in lowered}
        | {c for c in theirs if c.lower() not in {m.lower() for m in mine}}
    )
    for name in ("missing_in_target", "missing_in_source", "changed"):
        result.counts.setdefault(name, 0)
    return result
