"""Feed configuration: one YAML file per feed in `$WMG_CONFIG_DIR/feeds/`.

```yaml
name: customers                  # [a-z][a-z0-9_]*
file_pattern: "customers*.csv"   # glob on the landed file's name
target: {schema: public, table: customers}
upsert_keys: [customer_id]       # cleaned column names
order_by: updated_at             # optional: which version of a key wins, within and across files
schedule: "*/30 * * * *"         # optional: cron that sweeps data/in/ for this feed's files
csv: {delimiter: ",", quote: '"', encoding: utf-8, header: true}
snapshots_kept: 10               # silver Iceberg snapshots kept (time travel); older expire
views:
  - name: v_customers
    definition: "CREATE OR REPLACE VIEW {schema_name}.{view_name} AS SELECT * FROM ..."
```
"""

import codecs
import fnmatch
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import sqlglot
import sqlglot.errors
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from sqlglot import exp

from wmg_assets.feeds.column_transforms import ColumnTransform
from wmg_assets.transforms.raw_csv import CsvFormat
from wmg_checks.rules import QualityRules
from wmg_resources.settings import WmgSettings
from wmg_resources.warehouse.evolution import ViewDefinition

SNAPSHOTS_KEPT = 10
"""Iceberg snapshots a silver table or datamart mirror keeps for time travel by default."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$", max_length=127)]


def _lowercase(value: str) -> str:
    if value != value.lower():
        raise ValueError(f"{value!r}: column names are lowercase once cleaned")
    return value


ColumnName = Annotated[
    str, StringConstraints(pattern=r"^\w+$", max_length=127), AfterValidator(_lowercase)
]
"""A cleaned column name: letters and digits of any script and `_`, lowercase."""

RESERVED_SCHEMAS = ("information_schema", "pg_catalog", "pg_internal", "pg_toast")
RESERVED_TABLE_PREFIX = "_wmg_"


def is_cron(value: str) -> bool:
    """A cron string Dagster schedules accept (asked through its public API: a schedule
    definition checks its cron string when it is made)."""
    import dagster as dg

    try:
        dg.ScheduleDefinition(name="cron_check", cron_schedule=value, job_name="cron_check")
    except dg.DagsterInvalidDefinitionError:
        return False
    return True


class FeedConfigError(ValueError):
    """A feed file is invalid; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetTable(_Model):
    schema_: Identifier = Field(alias="schema")
    table: Identifier

    @field_validator("schema_")
    @classmethod
    def _not_a_system_schema(cls, value: str) -> str:
        if value in RESERVED_SCHEMAS or value.startswith("pg_"):
            raise ValueError(f"{value!r} is a system schema of the warehouse")
        return value

    @field_validator("table")
    @classmethod
    def _not_a_staging_name(cls, value: str) -> str:
        if value.startswith(RESERVED_TABLE_PREFIX):
            raise ValueError(f"names starting with {RESERVED_TABLE_PREFIX!r} are the platform's")
        return value

    @property
    def schema(self) -> str:  # type: ignore[override]
        return self.schema_


class CsvOptions(_Model):
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quote: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8"
    header: bool = True

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codec = codecs.lookup(value)
        except LookupError as e:
            raise ValueError(f"unknown encoding {value!r}") from e
        if not getattr(codec, "_is_text_encoding", True):
            raise ValueError(f"{value!r} is not a text encoding (e.g. utf-8, latin-1, cp1252)")
        return value

    def format(self) -> CsvFormat:
        return CsvFormat(self.delimiter, self.quote, self.encoding, self.header)


VIEW_PLACEHOLDERS = {"schema_name", "view_name", "source_table"}
_NOT_IN_A_VIEW = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Drop, exp.Create, exp.Command, exp.Alter,
    exp.TruncateTable,
)  # fmt: skip


def check_single_create_view(template: str) -> None:
    """A view definition is exactly one `CREATE [OR REPLACE] VIEW … AS <query>` whose query
    reads and changes nothing else (no statement after it, no data-modifying CTE)."""
    sql = template.format(schema_name='"s"', view_name='"v"', source_table='"t"')
    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except sqlglot.errors.SqlglotError as e:
        raise ValueError(f"not valid SQL: {str(e).splitlines()[0]}") from e
    if len(statements) != 1:
        raise ValueError(f"must be exactly one CREATE VIEW statement, found {len(statements)}")
    [create] = statements
    if not isinstance(create, exp.Create) or str(create.args.get("kind", "")).upper() != "VIEW":
        raise ValueError("must be a CREATE VIEW statement")
    query = create.expression
    if not isinstance(query, exp.Query):
        raise ValueError("must be CREATE VIEW … AS SELECT …")
    found = next((n for n in query.walk() if isinstance(n, _NOT_IN_A_VIEW)), None)
    if found is not None:
        raise ValueError(f"the view's query may only read: it contains {found.key.upper()}")


class ViewConfig(_Model):
    """A view over the target, recreated around schema changes (seed 002's view_config)."""

    name: Identifier
    definition: str

    @field_validator("definition")
    @classmethod
    def _only_known_placeholders(cls, value: str) -> str:
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as e:
            raise ValueError(f"not a valid template: {e}") from e
        unknown = fields - VIEW_PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {', '.join(sorted(map(repr, unknown)))}; "
                f"use only {{schema_name}}, {{view_name}}, {{source_table}}"
            )
        check_single_create_view(value)
        return value

    def to_definition(self) -> ViewDefinition:
        return ViewDefinition(self.name, self.definition)


class FeedConfig(_Model):
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=63)]
    file_pattern: str = Field(min_length=1)
    target: TargetTable
    upsert_keys: list[ColumnName] = Field(min_length=1)
    order_by: ColumnName | None = None
    csv: CsvOptions = CsvOptions()
    views: list[ViewConfig] = []
    description: str | None = None
    schedule: str | None = None
    rules: QualityRules | None = None
    transforms: dict[ColumnName, ColumnTransform] = {}
    processing_metadata: bool = False
    skip_repeated_content: bool = False
    """Also skip a file under a new name whose content equals the feed's latest load."""
    snapshots_kept: int = Field(default=SNAPSHOTS_KEPT, ge=1)
    """Snapshots the feed's silver Iceberg table keeps for time travel. Every loaded file
    commits one; once the table holds twice as many, the oldest are expired and the files
    only they used (a reloaded file's old rows among them) deleted."""

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None and not is_cron(value):
            raise ValueError(f"{value!r} is not a cron expression (e.g. '*/30 * * * *')")
        return value

    @property
    def partitions_name(self) -> str:
        return f"{self.name}_files"

    def matches(self, file_name: str) -> bool:
        return fnmatch.fnmatchcase(file_name, self.file_pattern)


def load_feed(path: Path) -> FeedConfig:
    return load_yaml_model(path, FeedConfig)


def load_yaml_model(path: Path, model: type["M"]) -> "M":
    """One config file as `model`; an error names the file, line and field
    (`config_errors.py`)."""
    from wmg_assets.config_errors import describe

    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise FeedConfigError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise FeedConfigError(f"{path}: expected a mapping of {model.__name__} fields")
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise FeedConfigError(describe(path, text, e, model)) from e


M = TypeVar("M", bound=BaseModel)


def bare_on_key(data: Any) -> Any:
    """YAML 1.1 (PyYAML) reads a bare `on:` key as the boolean true: it means `on`."""
    if isinstance(data, dict) and True in data:
        return {("on" if k is True else k): v for k, v in data.items()}
    return data


def load_yaml_models(directory: Path, model: type[M]) -> list[M]:
    """One `model` per `directory/*.yaml` file, in name order (none without the folder);
    a bad file raises FeedConfigError naming the file."""
    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return [load_yaml_model(path, model) for path in paths]


def load_named_models(directory: Path, model: type[M], what: str) -> list[M]:
    """`load_yaml_models`, checked that no two share a `name` (`what`: "gold definitions")."""
    found = load_yaml_models(directory, model)
    names = [getattr(m, "name") for m in found]  # noqa: B009
    if len(names) != len(set(names)):
        raise FeedConfigError(f"{directory}: two {what} share a name ({names})")
    return found


def load_feeds(directory: Path, reserved_schemas: Sequence[str] = ()) -> list[FeedConfig]:
    """Every feed in `directory/*.yaml`, checked for clashes between feeds and with the
    platform's own schemas (`reserved_schemas`: the audit schema)."""
    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    feeds = [load_feed(p) for p in paths]
    for path, feed in zip(paths, feeds, strict=True):
        if feed.target.schema in reserved_schemas:
            raise FeedConfigError(
                f"{path}: field target.schema: {feed.target.schema!r} holds the platform's "
                "audit and ledger tables; choose another schema"
            )
    seen_names: dict[str, Path] = {}
    seen_targets: dict[tuple[str, str], Path] = {}
    for path, feed in zip(paths, feeds, strict=True):
        if feed.name in seen_names:
            raise FeedConfigError(
                f"{path}: field name: feed {feed.name!r} is also defined in {seen_names[feed.name]}"
            )
        target = (feed.target.schema, feed.target.table)
        if target in seen_targets:
            raise FeedConfigError(
                f"{path}: field target: {'.'.join(target)} is also the target of "
                f"{seen_targets[target]}"
            )
        seen_names[feed.name], seen_targets[target] = path, path
    return feeds


def feeds_of(settings: WmgSettings) -> list[FeedConfig]:
    """The feeds of the configured folder; none may target the audit schema."""
    return load_feeds(settings.config_dir / "feeds", reserved_schemas=[settings.audit_schema])


def feed_for_file(
    feeds: list[FeedConfig], file_name: str, feed_name: str | None = None
) -> FeedConfig:
    """The feed a landed file belongs to: `feed_name` if given, else the one pattern matching."""
    if feed_name:
        for feed in feeds:
            if feed.name == feed_name:
                return feed
        raise LookupError(
            f"no feed named {feed_name!r} (feeds: {', '.join(f.name for f in feeds)})"
        )
    if not feeds:
        raise LookupError(
            f"{file_name}: no feed is configured — feeds are YAML files under the config "
            "folder's feeds/ (WMG_CONFIG_DIR, default ./config): run wmg from the project "
            "folder, set WMG_CONFIG_DIR, or create one with `wmg feeds new`"
        )
    matching = [f for f in feeds if f.matches(file_name)]
    if not matching:
        patterns = ", ".join(f"{f.name}: {f.file_pattern}" for f in feeds)
        raise LookupError(f"{file_name}: no feed's file_pattern matches it ({patterns})")
    if len(matching) > 1:
        names = ", ".join(f.name for f in matching)
        raise LookupError(f"{file_name}: several feeds match it ({names}); choose one with --feed")
    return matching[0]
