"""Benchmark data: a base CSV and a delta CSV for an upsert by key.

Base: N rows x 20 columns — a key, integers, decimals with fractions, strings with
multi-byte characters, timestamps. Delta: 10% of the keys updated, 10% new keys, some keys
twice (the later `updated_at` wins), one new column, and one string longer than any before.
Deterministic for a given N (fixed seed).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.csv as pacsv

# pyarrow.compute's functions are generated at import time; type checkers cannot see them.
pc: Any = _compute

WORDS = np.array(["alpha", "Überweisung", "café", "naïve", "東京", "zoë", "emoji🎉", "plain"])


@dataclass(frozen=True)
class BenchData:
    base: Path
    delta: Path
    rows: int
    delta_rows: int


def _table(keys: np.ndarray, rng: np.random.Generator, updated: str) -> pa.Table:
    n = len(keys)
    cols: dict[str, pa.Array] = {"record_id": pa.array(keys)}
    for i in range(5):
        cols[f"int_{i}"] = pa.array(rng.integers(-30000, 30000, n))
    for i in range(5):
        whole = rng.integers(0, 10**9, n)
        frac = rng.integers(0, 10**6, n)
        cols[f"dec_{i}"] = pc.binary_join_element_wise(  # exact text, never a float
            pa.array(whole.astype(str)), pa.array(np.char.zfill(frac.astype(str), 6)), "."
        )
    for i in range(5):
        words = WORDS[rng.integers(0, len(WORDS), n)]
        cols[f"str_{i}"] = pa.array(np.char.add(words, rng.integers(0, 1000, n).astype(str)))
    base_ts = np.datetime64("2026-01-01T00:00:00")
    for i in range(3):
        secs = rng.integers(0, 300 * 86400, n).astype("timedelta64[s]")
        cols[f"ts_{i}"] = pa.array((base_ts + secs).astype("datetime64[us]"))
    cols["updated_at"] = pa.array(np.full(n, np.datetime64(updated), dtype="datetime64[us]"))
    return pa.table(cols)


def _write(table: pa.Table, path: Path) -> None:
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def generate(directory: Path, rows: int) -> BenchData:
    """Write (once) `base_<rows>.csv` and `delta_<rows>.csv` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    base_path, delta_path = directory / f"base_{rows}.csv", directory / f"delta_{rows}.csv"
    tenth = max(1, rows // 10)
    rng = np.random.default_rng(rows)
    if not (base_path.exists() and delta_path.exists()):
        _write(_table(np.arange(1, rows + 1), rng, "2026-11-01T00:00:00"), base_path)
        updated = rng.choice(np.arange(1, rows + 1), tenth, replace=False)
        inserted = np.arange(rows + 1, rows + tenth + 1)
        dupes = updated[: max(1, tenth // 100)]  # these keys come twice
        delta = pa.concat_tables([  # the later duplicates come first: order_by must decide
            _table(dupes, rng, "2026-11-02T06:00:00"),
            _table(np.concatenate([updated, inserted]), rng, "2026-11-02T00:00:00"),
        ])  # fmt: skip
        channel = WORDS[rng.integers(0, len(WORDS), delta.num_rows)]
        delta = delta.append_column("channel", pa.array(channel))  # the new column
        longer = delta.column("str_0").to_pylist()
        longer[0] = "ü" * 300  # longer than any string of the base file
        delta = delta.set_column(delta.schema.get_field_index("str_0"), "str_0", pa.array(longer))
        _write(delta, delta_path)
    delta_rows = tenth * 2 + max(1, tenth // 100)
    return BenchData(base_path, delta_path, rows, delta_rows)
