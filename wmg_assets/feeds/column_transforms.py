"""A feed's column transforms (`transforms:` and `processing_metadata:` in its YAML), applied
to a typed file on the run's engine before the quality rules judge it.

```yaml
transforms:
  email: clean_email                                # trim, lowercase, invalid → NULL
  phone: {standardize_phone: {default_region: GB}}  # E.164
processing_metadata: true                           # job_name, job_run_id, processed_at
```
"""

from pathlib import Path
from typing import Any

import phonenumbers
from pydantic import RootModel, model_validator

from wmg_assets.transforms.common import COLUMN_TRANSFORMS, add_processing_metadata
from wmg_resources.engine import EngineResource
from wmg_resources.errors import InputError

TRANSFORM_ARGS = {"clean_email": set(), "standardize_phone": {"default_region"}}


class ColumnTransform(RootModel[str | dict[str, dict[str, str]]]):
    """`name`, or `{name: {argument: value}}`."""

    @model_validator(mode="after")
    def _known(self) -> "ColumnTransform":
        name, args = self.name_and_args()
        if name not in COLUMN_TRANSFORMS:
            raise ValueError(f"unknown transform {name!r} (known: {', '.join(COLUMN_TRANSFORMS)})")
        unknown = set(args) - TRANSFORM_ARGS[name]
        if unknown:
            raise ValueError(f"{name} takes no argument {', '.join(sorted(unknown))}")
        region = args.get("default_region")
        if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{region!r} is not a region code (e.g. US, GB, DE)")
        return self

    def name_and_args(self) -> tuple[str, dict[str, str]]:
        if isinstance(self.root, str):
            return self.root, {}
        if len(self.root) != 1:
            raise ValueError("give one transform per column: {name: {argument: value}}")
        [(name, args)] = self.root.items()
        return name, args

    def apply(self, column: Any) -> Any:
        name, args = self.name_and_args()
        return COLUMN_TRANSFORMS[name](column, **args)


def apply_column_transforms(
    transforms: dict[str, ColumnTransform],
    processing_metadata: bool,
    *,
    feed: str,
    file_name: str,
    run_id: str,
    files: list[Path],
    scratch: Path,
    engine: EngineResource,
) -> list[Path]:
    """The files rewritten with the transforms applied (the input files when none is set)."""
    if not transforms and not processing_metadata:
        return files
    with engine.session() as con:
        table = engine.read_parquet(con, files)
        missing = [c for c in transforms if c not in table.columns]
        if missing:
            raise InputError(
                file_name,
                f"column(s) {', '.join(map(repr, missing))} named in the feed's transforms are "
                "not in the file",
                line=1,
            )
        table = table.mutate(**{c: t.apply(table[c]) for c, t in transforms.items()})
        if processing_metadata:
            table = add_processing_metadata(table, feed, run_id)
        return engine.write_parquet(con, table, scratch / "transformed")
