"""The Iceberg catalog of the silver layer: SQLite `SqlCatalog` locally, AWS Glue in prod."""

from pathlib import Path
from typing import Literal

import dagster as dg
from pydantic import PrivateAttr
from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import SqlCatalog

from wmg_resources.locks import file_lock


class IcebergResource(dg.ConfigurableResource):
    """Opens the catalog; table data lives in the lake under `silver/<table>/`."""

    kind: Literal["sql", "glue"] = "sql"
    uri: str = ""
    s3_endpoint_url: str | None = None
    region: str = "us-east-1"

    _catalog: Catalog | None = PrivateAttr(default=None)

    def _io_properties(self) -> dict[str, str]:
        props = {"s3.region": self.region}
        if self.s3_endpoint_url:
            props["s3.endpoint"] = self.s3_endpoint_url
        return props

    def catalog(self) -> Catalog:
        if self._catalog is None:
            if self.kind == "glue":
                from pyiceberg.catalog.glue import GlueCatalog

                glue_props = {"glue.region": self.region, **self._io_properties()}
                self._catalog = GlueCatalog("wmg", **glue_props)
            else:
                path = self.uri.removeprefix("sqlite:///")
                if path == self.uri:
                    self._catalog = SqlCatalog("wmg", uri=self.uri, **self._io_properties())
                else:  # a local file: its tables are made by the first process, alone
                    with file_lock(Path(f"{path}.lock")):
                        self._catalog = SqlCatalog("wmg", uri=self.uri, **self._io_properties())
        return self._catalog
