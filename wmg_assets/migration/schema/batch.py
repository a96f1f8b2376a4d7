"""The schema validator's Excel batch config: sheet `Config` (or another named one) with the
columns `Source Schema | Target Schema | Table Names | View Names | Enabled`; `Target
Schema`, `Table Names` and `View Names` are comma lists (empty names = all objects), and
`Enabled` is true unless it says false / no / 0."""

from dataclasses import dataclass
from pathlib import Path

COLUMNS = ["Source Schema", "Target Schema", "Table Names", "View Names", "Enabled"]


@dataclass(frozen=True)
class BatchEntry:
    source_schema: str
    target_schemas: list[str]
    tables: list[str] | None
    views: list[str] | None


def _names(value: object) -> list[str] | None:
    names = [n.strip() for n in str(value or "").split(",") if n.strip()]
    return names or None


def read_batch_config(path: Path, sheet: str = "Config") -> list[BatchEntry]:
    """The enabled rows of the config workbook, in order."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    if sheet not in book.sheetnames:
        raise ValueError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
    rows = list(book[sheet].iter_rows(values_only=True))
    if not rows:
        raise ValueError(f"{path}: sheet {sheet!r} is empty")
    header = [str(h or "").strip() for h in rows[0]]
    missing = [c for c in COLUMNS[:2] if c not in header]
    if missing:
        raise ValueError(f"{path}: sheet {sheet!r} has no column {', '.join(missing)}")
    at = {name: header.index(name) for name in COLUMNS if name in header}
    entries = []
    for number, row in enumerate(rows[1:], 2):

        def cell(name: str, row=row) -> object:
            return row[at[name]] if name in at and at[name] < len(row) else None

        if not cell("Source Schema"):
            continue
        enabled = str(cell("Enabled") if cell("Enabled") is not None else True).strip().lower()
        if enabled in ("false", "no", "0", "n"):
            continue
        targets = _names(cell("Target Schema"))
        if not targets:
            raise ValueError(f"{path}: sheet {sheet!r} row {number}: no Target Schema")
        entries.append(
            BatchEntry(
                str(cell("Source Schema")).strip(),
                targets,
                _names(cell("Table Names")),
                _names(cell("View Names")),
            )
        )
    return entries
