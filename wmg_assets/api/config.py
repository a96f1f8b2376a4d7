"""API sources: one YAML file per API in `$WMG_CONFIG_DIR/apis/`.

```yaml
name: crm_contacts                     # assets bronze/crm_contacts and silver/crm_contacts
base_url: https://crm.example.com/api/
token_url: https://crm.example.com/oauth/token
path: v1/contacts?page_size=100        # the first page, relative to base_url
items_field: data                      # where a page keeps its records
next_field: next                       # the link to the next page (absent or null: the end)
client_id_env: CRM_CLIENT_ID           # environment variables holding the credentials
client_secret_env: CRM_CLIENT_SECRET
scope: contacts.read                   # optional
```
"""

from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import BaseModel, ConfigDict, Field

from wmg_assets.feeds.config import Identifier, load_yaml_models

if TYPE_CHECKING:  # imported when a resource is made: loading the configs stays light
    from wmg_resources.api import ApiResource

EnvName = str


class ApiSourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Identifier
    base_url: str = Field(pattern=r"^https?://")
    token_url: str = Field(pattern=r"^https?://")
    path: str = ""
    items_field: str = "data"
    next_field: str = "next"
    client_id_env: EnvName
    client_secret_env: EnvName
    scope: str | None = None
    description: str | None = None

    @property
    def resource_key(self) -> str:
        return f"api_{self.name}"

    def resource(self) -> "ApiResource":
        """The API's resource; the credentials stay environment variables (never values)."""
        from wmg_resources.api import ApiResource

        return ApiResource(
            base_url=self.base_url,
            token_url=self.token_url,
            client_id=dg.EnvVar(self.client_id_env),  # type: ignore[arg-type]
            client_secret=dg.EnvVar(self.client_secret_env),  # type: ignore[arg-type]
            scope=self.scope,
        )


def load_api_sources(directory: Path) -> list[ApiSourceConfig]:
    """Every API source in `directory/*.yaml` (none when the folder does not exist)."""
    return load_yaml_models(directory, ApiSourceConfig)
