"""`read_file` / `write_file` of the seed's executor on DuckDB or Spark, for `csv`, `parquet`,
`json` (one object per line), `text` (one `value` column, a line per row), `excel`
(`xlsx`: `sheet`, `header`), `xml` (`row_tag`, `root_tag`) and `fixed_width` (`schema`:
`[[name, width], …]`, required).

Reading makes a table of the engine named `output_table` (DuckDB: a table in its database, so
it outlives the session a resumed step runs in; Spark: a temporary view). Writing takes a
table (or view) name; `mode` is the seed's default **`error`** (the path must not exist),
or `overwrite`, or `append` (text formats add lines; Parquet adds a file). Spark writes a
folder of part files, DuckDB a single file. Excel and XML go through openpyxl / the
standard library (XML parsed with defusedxml: no entity expansion) in batches on DuckDB;
on Spark, XML uses Spark's own reader and writer.
"""

import csv
import io
import shutil
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
from defusedxml import ElementTree as defused

from wmg_assets.migration.elt.executor import ELTJobError
from wmg_resources.warehouse.dialect import quote

FORMATS = ("csv", "parquet", "json", "text", "excel", "xml", "fixed_width")
ALIASES = {
    "xlsx": "excel",
    "xls": "excel",
    "xlx": "excel",
    "fixedwidth": "fixed_width",
    "fwf": "fixed_width",
    "txt": "text",
}
BATCH = 50_000


def file_format(name: str) -> str:
    kind = ALIASES.get(name.lower(), name.lower())
    if kind not in FORMATS:
        raise ELTJobError(f"file type {name!r}: one of {', '.join(FORMATS)}")
    return kind


def _widths(options: Mapping[str, Any]) -> list[tuple[str, int]]:
    schema = options.get("schema")
    if not schema:
        raise ELTJobError("fixed_width needs options.schema: [[name, width], …]")
    return [(str(n), int(w)) for n, w in schema]


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


# -- DuckDB ---------------------------------------------------------------------------------
def duckdb_read(con: Any, kind: str, path: str, table: str, options: Mapping[str, Any]) -> int:
    name = quote(table, "duckdb")
    header = bool(options.get("header", True))
    delimiter = str(options.get("delimiter", ","))
    source = {
        "csv": f"read_csv({_literal(path)}, header = {header}, delim = {_literal(delimiter)}, "
        "all_varchar = " + str(bool(options.get("all_varchar", False))) + ")",
        "parquet": f"read_parquet({_literal(path)})",
        "json": f"read_json({_literal(path)}, format = 'newline_delimited')",
        "text": f"read_csv({_literal(path)}, header = false, delim = '\\x01', quote = '', "
        "escape = '', columns = {'value': 'VARCHAR'})",
    }.get(kind)
    if kind == "fixed_width":
        widths, start, parts = _widths(options), 1, []
        for column, width in widths:
            parts.append(f"trim(substr(value, {start}, {width})) AS {quote(column, 'duckdb')}")
            start += width
        source = (
            f"(SELECT {', '.join(parts)} FROM read_csv({_literal(path)}, header = false, "
            "delim = '\\x01', quote = '', escape = '', columns = {'value': 'VARCHAR'}))"
        )
    if source is not None:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {source}").fetchall()
    else:
        batches = _excel_batches(path, options) if kind == "excel" else _xml_batches(path, options)
        first = True
        for batch in batches:
            con.register("wmg_file_batch", batch)
            try:
                verb = f"CREATE OR REPLACE TABLE {name} AS" if first else f"INSERT INTO {name}"
                con.execute(f"{verb} SELECT * FROM wmg_file_batch").fetchall()
            finally:
                con.unregister("wmg_file_batch")
            first = False
        if first:
            raise ELTJobError(f"{path}: no rows to read")
    return int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])


def _prepare(path: str, mode: str) -> bool:
    """Apply the write mode to `path`; True when appending to an existing file."""
    target = Path(path)
    if mode not in ("error", "errorifexists", "overwrite", "append", "ignore"):
        raise ELTJobError(f"write mode {mode!r}: error, overwrite, append or ignore")
    if target.exists():
        if mode in ("error", "errorifexists"):
            raise ELTJobError(
                f"{path} already exists (write mode 'error'; use overwrite or append)"
            )
        if mode == "overwrite":
            shutil.rmtree(target) if target.is_dir() else target.unlink()
            return False
        return mode == "append"
    target.parent.mkdir(parents=True, exist_ok=True)
    return False


def duckdb_write(con: Any, kind: str, path: str, table: str, options: Mapping[str, Any]) -> int:
    mode = str(options.get("mode", "error")).lower()
    if mode == "ignore" and Path(path).exists():
        return 0
    appending = _prepare(path, mode)
    name = quote(table, "duckdb")
    rows = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
    if appending and kind == "parquet":
        path = str(Path(path).with_name(f"{Path(path).stem}-{uuid.uuid4().hex[:8]}.parquet"))
    reader = con.sql(f"SELECT * FROM {name}").to_arrow_reader(BATCH)
    with open(path, "ab" if appending else "wb") as out:
        if kind == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetWriter(out, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        elif kind == "excel":
            _excel_write(out, reader)
        else:
            text = io.TextIOWrapper(out, encoding=str(options.get("encoding", "utf-8")), newline="")
            _text_write(text, kind, reader, options, header=not appending)
            text.flush()
            text.detach()
    return rows


def _text_write(out: Any, kind: str, reader: Any, options: Mapping[str, Any], header: bool) -> None:
    import json

    names = reader.schema.names
    if kind == "csv":
        writer = csv.writer(out, delimiter=str(options.get("delimiter", ",")))
        if header and options.get("header", True):
            writer.writerow(names)
    if kind == "xml":
        root, row_tag = str(options.get("root_tag", "rows")), str(options.get("row_tag", "row"))
        out.write(f"<{root}>\n")
    widths = _widths(options) if kind == "fixed_width" else []
    for batch in reader:
        for record in batch.to_pylist():
            values = [record[n] for n in names]
            if kind == "csv":
                writer.writerow(["" if v is None else v for v in values])
            elif kind == "json":
                out.write(json.dumps(record, default=str) + "\n")
            elif kind == "text":
                out.write(("" if values[0] is None else str(values[0])) + "\n")
            elif kind == "fixed_width":
                cells = ["" if record.get(c) is None else str(record[c]) for c, _ in widths]
                out.write(
                    "".join(v[:w].ljust(w) for v, (_, w) in zip(cells, widths, strict=True)) + "\n"
                )
            else:
                element = ET.Element(row_tag)
                for n, v in zip(names, values, strict=True):
                    if v is not None:
                        ET.SubElement(element, n).text = str(v)
                out.write(ET.tostring(element, encoding="unicode") + "\n")
    if kind == "xml":
        out.write(f"</{root}>\n")


def _excel_batches(path: str, options: Mapping[str, Any]) -> Iterator[pa.Table]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[options["sheet"]] if options.get("sheet") else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            return
        if options.get("header", True):
            names = [str(c) for c in first]
        else:
            names, rows = [f"_c{i}" for i in range(len(first))], _chain(first, rows)
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= BATCH:
                yield _table(names, chunk)
                chunk = []
        if chunk:
            yield _table(names, chunk)
    finally:
        book.close()


def _chain(first: tuple, rest: Iterator[tuple]) -> Iterator[tuple]:
    yield first
    yield from rest


def _table(names: list[str], rows: list[tuple]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(names, r, strict=False)) for r in rows])


def _excel_write(out: Any, reader: Any) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(reader.schema.names)
    for batch in reader:
        for record in batch.to_pylist():
            sheet.append(list(record.values()))
    book.save(out)


def _xml_batches(path: str, options: Mapping[str, Any]) -> Iterator[pa.Table]:
    """Each `row_tag` element a row, its children (or attributes) the columns, as text."""
    row_tag = str(options.get("row_tag", options.get("rowTag", "row")))
    chunk: list[dict] = []
    names: dict[str, None] = {}
    for _, element in defused.iterparse(path, events=("end",)):
        if element.tag != row_tag:
            continue
        record = dict(element.attrib)
        record.update({child.tag: child.text for child in element})
        names.update(dict.fromkeys(record))
        chunk.append(record)
        element.clear()
        if len(chunk) >= BATCH:
            yield pa.Table.from_pylist([{n: r.get(n) for n in names} for r in chunk])
            chunk = []
    if chunk:
        yield pa.Table.from_pylist([{n: r.get(n) for n in names} for r in chunk])


# -- Spark ----------------------------------------------------------------------------------
def spark_read(spark: Any, kind: str, path: str, table: str, options: Mapping[str, Any]) -> int:
    from pyspark.sql import functions as F

    header = str(options.get("header", True)).lower()
    if kind == "csv":
        frame = spark.read.options(
            header=header,
            sep=str(options.get("delimiter", ",")),
            inferSchema=str(not options.get("all_varchar")).lower(),
        ).csv(path)
    elif kind == "parquet":
        frame = spark.read.parquet(path)
    elif kind == "json":
        frame = spark.read.json(path)
    elif kind == "text":
        frame = spark.read.text(path)
    elif kind == "xml":
        frame = spark.read.option("rowTag", str(options.get("row_tag", "row"))).xml(path)
    elif kind == "fixed_width":
        lines, start, columns = spark.read.text(path), 1, []
        for name, width in _widths(options):
            columns.append(F.trim(F.substring("value", start, width)).alias(name))
            start += width
        frame = lines.select(*columns)
    else:  # excel: read in batches, handed to Spark as one Arrow table (Excel files are small)
        tables = list(_excel_batches(path, options))
        if not tables:
            raise ELTJobError(f"{path}: no rows to read")
        frame = spark.createDataFrame(pa.concat_tables(tables))
    frame.createOrReplaceTempView(table)
    return int(frame.count())


def spark_write(spark: Any, kind: str, path: str, table: str, options: Mapping[str, Any]) -> int:
    try:
        return _spark_write(spark, kind, path, table, options)
    except Exception as e:
        if "PATH_ALREADY_EXISTS" in str(e):
            raise ELTJobError(
                f"{path} already exists (write mode 'error'; use overwrite or append)"
            ) from e
        raise


def _spark_write(spark: Any, kind: str, path: str, table: str, options: Mapping[str, Any]) -> int:
    from pyspark.sql import functions as F

    frame = spark.table(table)
    mode = str(options.get("mode", "error")).lower()
    writer = frame.write.mode(mode)
    if kind == "csv":
        writer.options(
            header=str(options.get("header", True)).lower(), sep=str(options.get("delimiter", ","))
        ).csv(path)
    elif kind == "parquet":
        writer.parquet(path)
    elif kind == "json":
        writer.json(path)
    elif kind == "text":
        frame.select(F.col(frame.columns[0]).cast("string")).write.mode(mode).text(path)
    elif kind == "xml":
        writer.options(
            rowTag=str(options.get("row_tag", "row")), rootTag=str(options.get("root_tag", "rows"))
        ).xml(path)
    elif kind == "fixed_width":
        cells = [
            F.rpad(F.coalesce(F.col(n).cast("string"), F.lit("")), w, " ")
            for n, w in _widths(options)
        ]
        frame.select(F.concat(*cells).alias("value")).write.mode(mode).text(path)
    else:
        raise ELTJobError("excel is written by the DuckDB engine (Spark has no Excel writer)")
    return int(frame.count())


def spark_single_file(
    spark: Any, kind: str, path: str, table: str, options: Mapping[str, Any]
) -> int:
    """One partition written to a scratch folder beside `path`, its part file moved there."""
    import tempfile

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = str(options.get("mode", "append")).lower()
    appending = _prepare(path, mode)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".wmg-single-") as scratch:
        spark.table(table).coalesce(1).createOrReplaceTempView("wmg_single_file")
        try:
            rows = _spark_write(
                spark, kind, f"{scratch}/out", "wmg_single_file", {**options, "mode": "overwrite"}
            )
        finally:
            spark.catalog.dropTempView("wmg_single_file")
        parts = sorted(
            p
            for p in Path(scratch, "out").iterdir()
            if p.name.startswith("part-") and not p.name.endswith(".crc")
        )
        if len(parts) != 1:
            raise ELTJobError(f"{path}: Spark wrote {len(parts)} part files, not one")
        if not appending:
            shutil.move(str(parts[0]), path)
            return rows
        if kind not in ("csv", "text", "json", "fixed_width", "xml"):
            raise ELTJobError(f"{path}: appending to a {kind} file is not possible")
        with parts[0].open("rb") as part, target.open("ab") as out:
            if kind == "csv" and options.get("header", True):
                part.readline()  # the header is already in the file
            shutil.copyfileobj(part, out)
    return rows
