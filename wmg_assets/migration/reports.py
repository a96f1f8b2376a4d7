"""One report writer for the migration toolkit: the same report as Markdown (to read),
xlsx (to filter and share) and JSON (for tools), so the three always agree.

A report is a title, a table of totals, named tables (rows of plain values), and the JSON
payload (the full detail, nested as the caller likes).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Value = str | int | float | bool | None


@dataclass(frozen=True)
class ReportTable:
    name: str  # a sheet name in the xlsx: at most 31 characters
    columns: list[str]
    rows: Sequence[Sequence[Value]]
    colours: Sequence[Sequence[str | None]] | None = None  # xlsx cell fills (RRGGBB), by row


@dataclass(frozen=True)
class Report:
    title: str
    totals: dict[str, int]
    tables: list[ReportTable] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # the JSON payload (totals added)


def _cell(value: Value) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Value]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    lines += [*_markdown_table(["total", "count"], list(report.totals.items())), ""]
    for table in report.tables:
        lines += [f"## {table.name}", ""]
        lines += _markdown_table(table.columns, table.rows) if table.rows else ["(none)"]
        lines.append("")
    return "\n".join(lines)


def write_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook  # imported here: the CLI's fast paths never need it
    from openpyxl.styles import PatternFill

    book = Workbook()
    totals = book.active
    assert totals is not None
    totals.title = "Totals"
    totals.append(["total", "count"])
    for name, count in report.totals.items():
        totals.append([name, count])
    for table in report.tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append(list(row))
        for r, colours in enumerate(table.colours or [], start=2):
            for c, colour in enumerate(colours, start=1):
                if colour:
                    fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
                    sheet.cell(row=r, column=c).fill = fill
        sheet.auto_filter.ref = sheet.dimensions
        sheet.freeze_panes = "A2"
    book.save(path)


def write_reports(report: Report, folder: Path, stem: str = "report") -> dict[str, Path]:
    """`<stem>.md`, `<stem>.xlsx` and `<stem>.json` in `folder`; their paths by format."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {kind: folder / f"{stem}.{kind}" for kind in ("md", "xlsx", "json")}
    paths["md"].write_text(to_markdown(report), encoding="utf-8")
    write_xlsx(report, paths["xlsx"])
    payload = {"title": report.title, "totals": report.totals, **report.data}
    paths["json"].write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return paths
