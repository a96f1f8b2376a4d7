"""Data quality rules of a feed (its `rules:` YAML), evaluated on either engine.

```yaml
rules:
  required_columns: [customer_id, email]
  unique_columns: [customer_id]
  not_null: [customer_id]
  string_patterns: {email: '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$'}
  allowed_values: {status: [active, inactive]}
  ranges: {age: {min: 0, max: 150}}
  on_fail: dlq        # dlq: offending rows to the DLQ, the rest loads | fail: the file fails
```

The same rules take two forms, which must agree:

- **Ibis predicates** (`with_reasons`): every row gets a `reason` naming each rule it breaks,
  so the offending rows can be routed to the DLQ and the others loaded;
- a **pandera schema** (`pandera_schema`, `pandera.ibis`): the independent validation the
  blocking asset check runs on the rows about to be loaded, whose failure cases become the
  check's metadata.

Pure: no Dagster, no I/O. Column names are the cleaned silver names (as `upsert_keys`).
A value that is NULL breaks only `not_null`; patterns, allowed values and ranges judge the
values that are there. For `unique_columns`, the first occurrence (by line) is kept and the
later ones break the rule.
"""

import re
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    import pandera.ibis as pa

REASON = "reason"
LINE = "_wmg_line"


class ValueRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> "ValueRange":
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def __str__(self) -> str:
        low, high = ("" if b is None else f"{b:g}" for b in (self.min, self.max))
        return f"[{low}, {high}]"


class QualityRules(BaseModel):
    """A feed's `rules:`; see the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    required_columns: list[str] = []
    unique_columns: list[str] = []
    not_null: list[str] = []
    string_patterns: dict[str, str] = {}
    allowed_values: dict[str, list[str | int | float | bool]] = {}
    ranges: dict[str, ValueRange] = {}
    on_fail: Literal["dlq", "fail"] = Field(default="fail")

    @field_validator("string_patterns")
    @classmethod
    def _patterns_compile(cls, value: dict[str, str]) -> dict[str, str]:
        for column, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"{column}: {pattern!r} is not a regular expression: {e}") from e
        return value

    def referenced_columns(self) -> list[str]:
        """Every column a rule names, in order of first mention."""
        names = [
            *self.required_columns, *self.unique_columns, *self.not_null,
            *self.string_patterns, *self.allowed_values, *self.ranges,
        ]  # fmt: skip
        return list(dict.fromkeys(names))


def missing_columns(rules: QualityRules, columns: list[str]) -> list[str]:
    """Columns the rules name that the data does not have (the file fails: no row can be
    judged against a column that is not there)."""
    return [c for c in rules.referenced_columns() if c not in columns]


def _violations(rules: QualityRules, t: Any) -> list[tuple[str, Any]]:
    """(reason, predicate true for rows that break the rule), one per rule and column.
    (`Any`: Ibis column types do not declare their operators to a type checker.)"""
    found: list[tuple[str, Any]] = []
    for c in rules.not_null:
        found.append((f"{c} is null", t[c].isnull()))
    for c, pattern in rules.string_patterns.items():
        value = t[c].cast("string")
        found.append((f"{c} does not match {pattern}", value.notnull() & ~value.re_search(pattern)))
    for c, allowed in rules.allowed_values.items():
        found.append((f"{c} is not one of {allowed}", t[c].notnull() & ~t[c].isin(allowed)))
    for c, bounds in rules.ranges.items():
        value: Any = t[c]
        below: Any = value < bounds.min if bounds.min is not None else ibis.literal(False)
        above: Any = value > bounds.max if bounds.max is not None else ibis.literal(False)
        found.append((f"{c} is outside {bounds}", t[c].notnull() & (below | above)))
    for c in rules.unique_columns:
        position: Any = ibis.row_number().over(group_by=t[c], order_by=t[LINE])
        later = position > 0
        found.append((f"{c} is a duplicate of an earlier line", t[c].notnull() & later))
    return found


def with_reasons(rules: QualityRules, t: ir.Table) -> ir.Table:
    """`t` plus a `reason` column: the rules each row breaks, `; `-separated, or NULL."""
    parts = [ibis.ifelse(broken, ibis.literal(why), ibis.null("string"))
             for why, broken in _violations(rules, t)]  # fmt: skip
    if not parts:
        return t.mutate(**{REASON: ibis.null("string")})
    separator: Any = ibis.literal("; ")
    joined = separator.join(parts)
    return t.mutate(**{REASON: joined.nullif("")})


def pandera_schema(rules: QualityRules) -> "pa.DataFrameSchema":
    """The rules as a `pandera.ibis` schema (uniqueness is judged by `with_reasons` only:
    pandera's Ibis backend does not check it). pandera (and pandas under it) is imported
    here, when a check runs: a third of a second that every `wmg` command paid before."""
    import pandera.ibis as pa

    columns: dict[str, pa.Column] = {}
    for c in rules.referenced_columns():
        checks = []
        if c in rules.string_patterns:
            checks.append(pa.Check.str_matches(rules.string_patterns[c]))
        if c in rules.allowed_values:
            checks.append(pa.Check.isin(rules.allowed_values[c]))
        if c in rules.ranges:
            bounds = rules.ranges[c]
            if bounds.min is not None:
                checks.append(pa.Check.ge(bounds.min))
            if bounds.max is not None:
                checks.append(pa.Check.le(bounds.max))
        columns[c] = pa.Column(checks=checks, nullable=c not in rules.not_null, required=True)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def failure_cases(rules: QualityRules, t: ir.Table, limit: int = 20) -> list[dict]:
    """What pandera finds wrong with `t` (lazy: every rule), at most `limit` cases as
    {column, check, failure_case}; empty when the rows pass."""
    import pandera.errors

    try:
        pandera_schema(rules).validate(t, lazy=True)
    except pandera.errors.SchemaErrors as e:
        return [_case(r) for r in e.failure_cases.to_dict("records")[:limit]]
    return []


def _case(record: dict) -> dict:
    """One pandera failure case as plain JSON: {column, check, failure_case}."""
    column, case = record.get("column"), record.get("failure_case")
    if isinstance(case, dict) and len(case) == 1:  # element-wise checks: {column: value}
        column, case = next(iter(case.items()))
    elif not isinstance(case, str | int | float | bool | None):  # e.g. an expression
        case = None
    return {"column": column, "check": str(record.get("check")), "failure_case": case}
