"""A whole code base converted: every `.sql`, `.bteq` and `.btq` file under a folder, to the
same layout under an output folder, with a report of each file's statements (status, rules
applied, findings) and the totals, by status and by construct.

Pure but for the files it reads and writes: no Dagster, no network.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wmg_assets.migration.reports import Report, ReportTable
from wmg_assets.migration.sql.convert import Conversion, convert
from wmg_assets.migration.sql.options import ConversionOptions

SOURCE_SUFFIXES = (".sql", ".bteq", ".btq")
STATUSES = ("converted", "converted_with_warnings", "flagged")


def read_script(data: bytes) -> str:
    """A script's text: UTF-8 (with or without BOM), else Windows-1252, as Teradata exports
    often are."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def source_files(folder: Path) -> list[Path]:
    """The code base's scripts under `folder`, in a stable order."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES)  # fmt: skip


@dataclass(frozen=True)
class ConvertedFile:
    path: str  # relative to the code base, with / separators
    conversion: Conversion


@dataclass
class CodebaseConversion:
    target: str
    source: str
    files: list[ConvertedFile] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        statuses = Counter(s.status for f in self.files for s in f.conversion.statements)
        return {
            "files": len(self.files),
            "statements": sum(statuses.values()),
            **{status: statuses.get(status, 0) for status in STATUSES},
            "errors": sum(len(f.conversion.errors) for f in self.files),
        }

    def by_construct(self) -> list[tuple[str, str, str, int]]:
        """(code, severity, message, count) of every finding, most frequent first."""
        counted = Counter(
            (x.code, str(x.severity), x.message)
            for f in self.files for x in f.conversion.findings
        )  # fmt: skip
        return [(*key, n) for key, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))]

    def report(self) -> Report:
        """The report: totals, findings by construct, and per file, statement and finding."""
        files, statements, findings = [], [], []
        for f in self.files:
            counts = Counter(s.status for s in f.conversion.statements)
            files.append([f.path, len(f.conversion.statements), *(counts[s] for s in STATUSES)])
            for s in f.conversion.statements:
                codes = ", ".join(x.code for x in s.findings)
                statements.append([f.path, s.line, s.status, ", ".join(s.rules), codes])
            for x in f.conversion.findings:
                findings.append([f.path, x.line, x.column, x.code, str(x.severity), x.message])
        by_construct = self.by_construct()
        construct_columns = ["code", "severity", "finding", "count"]
        return Report(
            title=f"Teradata → {self.target} conversion of {self.source}",
            totals=self.totals(),
            tables=[
                ReportTable("By construct", construct_columns, [list(r) for r in by_construct]),
                ReportTable("Files", ["file", "statements", *STATUSES], files),
                ReportTable("Statements", STATEMENT_COLUMNS, statements),
                ReportTable("Findings", FINDING_COLUMNS, findings),
            ],
            data={
                "target": self.target,
                "source": self.source,
                "by_construct": [
                    dict(zip(construct_columns, r, strict=True)) for r in by_construct
                ],
                "files": [_file_json(f) for f in self.files],
            },
        )


STATEMENT_COLUMNS = ["file", "line", "status", "rules", "findings"]
FINDING_COLUMNS = ["file", "line", "column", "code", "severity", "message"]


def _file_json(f: ConvertedFile) -> dict:
    return {
        "path": f.path,
        "statements": [
            {"line": s.line, "status": s.status, "rules": s.rules,
             "findings": [{"code": x.code, "severity": str(x.severity), "line": x.line,
                           "column": x.column, "message": x.message} for x in s.findings]}
            for s in f.conversion.statements
        ],
        "script_findings": [{"code": x.code, "severity": str(x.severity), "line": x.line,
                             "message": x.message} for x in f.conversion.script_findings],
    }  # fmt: skip


def convert_files(
    files: Iterable[tuple[str, bytes]],
    target: str,
    options: ConversionOptions | None = None,
    source: str = "",
    write: Callable[[str, str], None] | None = None,
    on_file: Callable[[str], None] | None = None,
) -> CodebaseConversion:
    """Convert each (relative path, content) of a code base; `write(path, sql)` stores each
    converted file, `on_file(path)` reports progress."""
    result = CodebaseConversion(target, source)
    for path, data in files:
        conversion = convert(read_script(data), target, options)
        result.files.append(ConvertedFile(path, conversion))
        if write is not None:
            write(path, conversion.output)
        if on_file is not None:
            on_file(path)
    return result


def convert_folder(
    folder: Path,
    out: Path,
    target: str,
    options: ConversionOptions | None = None,
    on_file: Callable[[str], None] | None = None,
) -> CodebaseConversion:
    """Convert the code base under `folder` into the same layout under `out`."""
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")

    def write(path: str, sql: str) -> None:
        destination = out / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(sql, encoding="utf-8")

    files = ((p.relative_to(folder).as_posix(), p.read_bytes()) for p in source_files(folder))
    return convert_files(files, target, options, str(folder), write, on_file)
