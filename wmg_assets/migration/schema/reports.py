"""The DDL tools' reports, in the seed's sheet and column names, through the one writer
(`migration/reports.py`):

- comparison (`DDLComparator`): `Summary` (object, type, status), `DDL Comparison`
  (Table Name, Column/Constraint, Description) and `Plan` (the statements);
- schema validation (`RedshiftDDLValidator`): `Object Validation Report` with a status per
  aspect (`Matched` or `{n} column not matched`, tables only) and an Overall Status
  (`Matched`, `Not Matched`, `Not Available in Source|Target Schema`).
"""

from wmg_assets.migration.reports import Report, ReportTable
from wmg_assets.migration.schema.compare import MATCHED, NOT_MATCHED, Comparison, Difference
from wmg_assets.migration.schema.plan import PlanStep


def comparison_report(comparison: Comparison, plan: list[PlanStep], title: str) -> Report:
    statuses = list(comparison.status.values())
    kinds = {
        **{k: "Table" for k in comparison.source.tables},
        **{k: "View" for k in comparison.source.views},
        **{k: "Table" for k in comparison.target.tables},
        **{k: "View" for k in comparison.target.views},
    }
    summary = [
        (name, kinds.get(name.lower(), ""), status)
        for name, status in sorted(comparison.status.items())
    ]
    findings = [(d.object, d.item, d.description) for d in comparison.differences]
    steps = [(i, s.object, s.sql, "yes" if s.manual else "") for i, s in enumerate(plan, 1)]
    return Report(
        title=title,
        totals={
            "objects": len(statuses),
            "matched": statuses.count(MATCHED),
            "not matched": statuses.count(NOT_MATCHED),
            "missing": sum(s.startswith("Not Available") for s in statuses),
            "differences": len(findings),
            "plan statements": len(plan),
        },
        tables=[
            ReportTable("Summary", ["Object Name", "Object Type", "Status"], summary),
            ReportTable(
                "DDL Comparison", ["Table Name", "Column/Constraint", "Description"], findings
            ),
            ReportTable("Plan", ["Order", "Object", "Statement", "Manual"], steps),
        ],
        data={
            "status": comparison.status,
            "differences": [d.__dict__ for d in comparison.differences],
            "plan": [s.__dict__ for s in plan],
        },
    )


ASPECTS = {  # the validator's status columns, and the differences each one counts
    "Column Name": ("column",),
    "Column Datatype": (
        "data_type",
        "character_maximum_length",
        "datetime_precision",
        "numeric_precision",
        "numeric_scale",
        "is_nullable",
    ),
    "Column Collation": ("collation_name",),
    "Primary Key": ("constraint:p",),
    "Foreign Key": ("constraint:f",),
    "Unique Key": ("constraint:u",),
    "Default Value": ("column_default",),
}
VALIDATION_COLUMNS = [
    "Source Schema",
    "Target Schema",
    "Object Name",
    "Object Type",
    *ASPECTS,
    "Overall Status",
    "Comments",
]


def _aspect(d: Difference) -> str:
    return f"constraint:{d.item[:1]}" if d.attribute == "constraint" else d.attribute


def _aspect_status(found: list[Difference], aspect: str) -> str:
    items = {d.item for d in found if _aspect(d) in ASPECTS[aspect]}
    return MATCHED if not items else f"{len(items)} column not matched"


def schema_validation_rows(comparison: Comparison) -> list[tuple]:
    """One row per object of either schema (the validator's report, module docstring)."""
    source, target = comparison.source, comparison.target
    rows = []
    for name, status in sorted(comparison.status.items()):
        key = name.lower()
        kind = "View" if key in source.views or key in target.views else "Table"
        found = comparison.of(name)
        if status.startswith("Not Available"):
            overall = (
                "Not Available in Source Schema"
                if key not in source.tables and key not in source.views
                else "Not Available in Target Schema"
            )
            aspects = ["" for _ in ASPECTS]
        else:
            overall = status
            aspects = ["" if kind == "View" else _aspect_status(found, a) for a in ASPECTS]
        comments = "; ".join(
            f"{d.item}: {d.description}" if d.item else d.description
            for d in found
            if d.attribute != "object"
        )
        rows.append((source.name, target.name, name, kind, *aspects, overall, comments))
    return rows


def schema_validation_report(comparisons: list[Comparison]) -> Report:
    rows = [row for c in comparisons for row in schema_validation_rows(c)]
    overall = [r[-2] for r in rows]
    return Report(
        title="Schema validation",
        totals={
            "objects": len(rows),
            "matched": overall.count(MATCHED),
            "not matched": overall.count(NOT_MATCHED),
            "not available": sum(o.startswith("Not Available") for o in overall),
        },
        tables=[ReportTable("Object Validation Report", VALIDATION_COLUMNS, rows)],
        data={"objects": [dict(zip(VALIDATION_COLUMNS, r, strict=True)) for r in rows]},
    )
