"""The framework's custom UDFs (`common.custom_udf`), registered on DuckDB and on Spark under
the seed's names with identical results:

- `udf_instr(s, search, start, occurrence)`: the 1-based position of the `occurrence`-th
  `search` at or after `start`; 0 when not found or the input is invalid (NULL or empty
  strings, `occurrence < 1`, `start` outside the string). `udf_instr('1A:2A:3A:4', 'A:', 1,
  2)` is 5.
- `udf_sequence(name, start, step)`: the first call for `name` returns `start`, each later one
  adds `step`. The state is per process: on Spark, per Python worker — unsafe on a cluster,
  as the seed warns; use `row_number()` there.
- `udf_to_decimal_informatica(s)`: Informatica's TO_DECIMAL — NULL → NULL; whitespace
  stripped, `,` read as `.`; empty, or a first character that is not a digit (a leading `-`
  is allowed) → 0.0; else the leading `-?\\d+(\\.\\d+)?` as a number (`'3.5kg'` → 3.5). The
  seed's example `'12,34'` → 12.0 contradicts its own comma rule; the rule is followed
  (12.34).
"""

import logging
import re
import threading
from typing import Any

log = logging.getLogger(__name__)

_sequences: dict[str, int] = {}  # name → the last value returned
_restarts: dict[str, int] = {}  # name → the value its next call returns (reset_sequence)
_lock = threading.Lock()
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def instr(
    text: str | None, search: str | None, start: int | None = 1, occurrence: int | None = 1
) -> int:
    if not text or not search or start is None or occurrence is None:
        return 0
    if occurrence < 1 or start < 1 or start > len(text):
        return 0
    position = start - 1
    for _ in range(occurrence):
        found = text.find(search, position)
        if found < 0:
            return 0
        position = found + 1
    return position


def sequence(name: str, start: int, step: int) -> int:
    with _lock:
        value = _sequences[name] + step if name in _sequences else _restarts.pop(name, start)
        _sequences[name] = value
        return value


def reset_sequence(name: str, start: int) -> None:
    """The next `sequence(name, …)` call returns `start`."""
    with _lock:
        _sequences.pop(name, None)
        _restarts[name] = start


def remove_sequence(name: str) -> None:
    with _lock:
        _sequences.pop(name, None)
        _restarts.pop(name, None)


def to_decimal_informatica(text: str | None) -> float | None:
    if text is None:
        return None
    cleaned = "".join(str(text).split()).replace(",", ".")
    if not cleaned or not (cleaned[0].isdigit() or cleaned[0] == "-"):
        return 0.0
    match = _NUMBER.match(cleaned)
    return float(match.group()) if match else 0.0


def register_duckdb(con: Any) -> None:
    """The three UDFs on a DuckDB connection (a failure is logged, as the seed does)."""
    from duckdb import sqltypes as t

    specs = [
        ("udf_instr", instr, [t.VARCHAR, t.VARCHAR, t.BIGINT, t.BIGINT], t.BIGINT, False),
        ("udf_sequence", sequence, [t.VARCHAR, t.BIGINT, t.BIGINT], t.BIGINT, True),
        ("udf_to_decimal_informatica", to_decimal_informatica, [t.VARCHAR], t.DOUBLE, False),
    ]
    for name, function, arguments, returns, side_effects in specs:
        try:
            con.create_function(
                name,
                function,
                arguments,
                returns,
                null_handling="special",
                side_effects=side_effects,
            )
        except Exception as e:  # already registered on this connection, or unsupported
            log.debug("UDF %s not registered on DuckDB: %s", name, e)


def register_spark(spark: Any) -> None:
    """The three UDFs on a Spark session (a failure is logged, as the seed does)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    try:
        spark.udf.register("udf_instr", F.udf(instr, T.LongType()))
        spark.udf.register("udf_sequence", F.udf(sequence, T.LongType()).asNondeterministic())
        spark.udf.register(
            "udf_to_decimal_informatica", F.udf(to_decimal_informatica, T.DoubleType())
        )
    except Exception as e:
        log.warning("UDFs not registered on Spark: %s", e)
