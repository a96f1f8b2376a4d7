"""The two assets of an API source: raw pages in bronze, flattened records in silver.

- `bronze/<api>` pulls every page (OAuth 2.0 client credentials, retries, `next` links; see
  `wmg_resources.api`) and lands each answer as it came, once, at
  `data/api/<api>/<run_id>/page-00001.json`, … A retried step starts its pages again.
- `silver/<api>` flattens the records of the latest pull (`address.city` → `address_city`)
  with DuckDB and replaces the Iceberg table `silver.<api>` with them.
"""

import tempfile
from contextlib import ExitStack
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq
from sqlglot import exp

from wmg_assets.api.config import ApiSourceConfig
from wmg_assets.feeds.assets import arrow_column_schema
from wmg_assets.feeds.landed import latest_materialization
from wmg_assets.feeds.pipeline import SILVER_NAMESPACE, nullable_schema, publish
from wmg_assets.feeds.silver_snapshot import replace_silver_table
from wmg_assets.transforms.flatten import flatten_select
from wmg_resources.api import ApiResource
from wmg_resources.iceberg import IcebergResource
from wmg_resources.lake import LakeResource, silver_prefix


def api_pages_prefix(source: str, run_id: str) -> str:
    return f"data/api/{source}/{run_id}"


def _literal(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


def build_api_assets(source: ApiSourceConfig, lake_kind: str) -> list[dg.AssetsDefinition]:
    bronze_key = dg.AssetKey(["bronze", source.name])

    @dg.asset(
        key=bronze_key,
        kinds={"json", lake_kind},
        group_name="apis",
        required_resource_keys={source.resource_key, "lake"},
        description=(
            source.description
            or f"Pages of the **{source.name}** API as they came: one "
            f"JSON file per page under `data/api/{source.name}/<run_id>/`."
        ),
    )
    def api_bronze(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        api: ApiResource = getattr(context.resources, source.resource_key)
        lake: LakeResource = context.resources.lake
        client = api.client()
        prefix = api_pages_prefix(source.name, context.run_id)
        lake.delete_prefix(prefix)  # a retried step lands its pages again: each page once
        pages = items = 0
        for page in client.pages(source.path, source.next_field):
            lake.put_bytes(page.body, f"{prefix}/page-{page.number:05d}.json")
            records = page.document.get(source.items_field) or []
            pages, items = pages + 1, items + len(records)
            context.log.info(f"page {page.number}: {len(records)} records ({items} so far)")
        stats = client.stats
        return dg.MaterializeResult(
            metadata={
                "pages": pages,
                "records": items,
                "pages_at": dg.MetadataValue.path(lake.uri(prefix)),
                "requests": stats.requests,
                "retries": stats.retries,
                "tokens_fetched": stats.tokens_fetched,
                "waited_seconds": round(stats.waited_seconds, 3),
            }
        )

    @dg.asset(
        key=["silver", source.name],
        deps=[api_bronze],
        kinds={"iceberg", "duckdb"},
        group_name="apis",
        description=(
            f"The records of the latest **{source.name}** pull, nested fields flattened into "
            f"columns, in the Iceberg table `silver.{source.name}` (replaced by each pull)."
        ),
    )
    def api_silver(
        context: dg.AssetExecutionContext, lake: LakeResource, iceberg: IcebergResource
    ) -> dg.MaterializeResult:
        pulled = latest_materialization(context.instance, bronze_key, None)
        if pulled is None:
            raise dg.Failure(f"bronze/{source.name} has not been materialized", allow_retries=False)
        keys = [o.key for o in lake.list(api_pages_prefix(source.name, pulled.run_id))]
        with tempfile.TemporaryDirectory(prefix="wmg-api-") as scratch, ExitStack() as stack:
            pages = [str(stack.enter_context(lake.local_copy(k, Path(scratch) / "pages")))
                     for k in keys]  # fmt: skip
            out = Path(scratch) / "silver.parquet"
            rows = flatten_pages(pages, source.items_field, out)
            schema = nullable_schema(pq.read_schema(out))
            data_keys = publish(lake, [out], f"{silver_prefix(source.name)}/data", source.name,
                                context.run_id)  # fmt: skip
        replace_silver_table(iceberg, lake, source.name, schema, data_keys)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "dagster/table_name": f"{SILVER_NAMESPACE}.{source.name}",
                "dagster/column_schema": arrow_column_schema(schema),
                "pulled_in_run": pulled.run_id,
            }
        )

    return [api_bronze, api_silver]


def flatten_pages(pages: list[str], items_field: str, out: Path) -> int:
    """Write the records of JSON pages, flattened, as one Parquet file; the rows written."""
    con = duckdb.connect()
    try:
        files = "[" + ", ".join(_literal(p) for p in pages) + "]"
        field = exp.to_identifier(items_field, quoted=True).sql("duckdb")
        records = f"SELECT unnest({field}) AS record FROM read_json({files}, format = 'auto')"
        schema = con.sql(f"{records} LIMIT 0").arrow().schema
        select = ", ".join(flatten_select(schema, "record"))
        con.execute(f"COPY (SELECT {select} FROM ({records})) TO {_literal(str(out))} "
                    "(FORMAT parquet)")  # fmt: skip
        return pq.ParquetFile(out).metadata.num_rows
    finally:
        con.close()
