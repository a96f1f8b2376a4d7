"""AWS credentials for one account: this process's own, or another account's through STS
`AssumeRole` (the role ARN names the account), the way the seed's cross-account steps reach
the other account's secrets and S3. Credentials are never logged; the endpoint defaults to
the platform's (`WMG_AWS_ENDPOINT_URL`, a moto server in tests).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict


class AwsAccount(BaseModel):
    """Where AWS calls go: `role_arn` None for this process's credentials."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role_arn: str | None = None
    external_id: str | None = None
    region: str = "us-east-1"
    endpoint_url: str | None = None
    session_name: str = "wmg-migration"

    def _endpoint(self) -> str | None:
        if self.endpoint_url is not None:
            return self.endpoint_url
        from wmg_resources.settings import load_settings

        return load_settings().aws_endpoint

    def session(self) -> Any:
        """A boto3 session with this account's credentials."""
        import boto3

        if self.role_arn is None:
            return boto3.Session(region_name=self.region)
        sts = boto3.client("sts", region_name=self.region, endpoint_url=self._endpoint())
        extra = {"ExternalId": self.external_id} if self.external_id else {}
        answer = sts.assume_role(RoleArn=self.role_arn, RoleSessionName=self.session_name,
                                 **extra)  # fmt: skip
        credentials = answer["Credentials"]
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=self.region,
        )

    def client(self, service: str, session: Any | None = None) -> Any:
        return (session or self.session()).client(service, endpoint_url=self._endpoint())


def secret_values(names: list[str], account: AwsAccount | None = None) -> dict[str, dict]:
    """The JSON of each named Secrets Manager secret (the seed's `get_secret_values`, and
    `get_secret_values_from_cross_account` when `account` has a role)."""
    import json

    client = (account or AwsAccount()).client("secretsmanager")
    return {n: json.loads(client.get_secret_value(SecretId=n)["SecretString"]) for n in names}
