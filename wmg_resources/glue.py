"""AWS Glue through Dagster Pipes (dagster-aws `PipesGlueClient`): a step's job script, its
parameters and the WMG modules it imports are packaged to S3, the Glue job is created or
updated to point at them, the run is started and followed, and what the script reports
(logs, materialization metadata) comes back into the Dagster run through S3.
"""

import io
import zipfile
from pathlib import Path
from typing import Any

import dagster as dg

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = [
    "wmg_assets/__init__.py",
    "wmg_assets/transforms",
    "wmg_resources/__init__.py",
    "wmg_resources/errors.py",
]


def wmg_modules_zip() -> bytes:
    """The pure WMG modules a Glue script may import (`--extra-py-files`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in PACKAGED:
            path = ROOT / entry
            files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
            for file in files:
                archive.write(file, file.relative_to(ROOT).as_posix())
    return buffer.getvalue()


class GlueResource(dg.ConfigurableResource):
    """Glue jobs run through Pipes. `bucket`/`prefix`: where scripts, the WMG modules and the
    Pipes context and messages go; `role_arn`: the job's IAM role."""

    bucket: str
    prefix: str = "wmg/glue"
    role_arn: str = "arn:aws:iam::123456789012:role/wmg-glue"
    region: str = "us-east-1"
    endpoint_url: str | None = None
    glue_version: str = "5.0"

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)

    def package(self, job_name: str, script: Path) -> tuple[str, str]:
        """Upload the script and the WMG modules; their S3 URIs."""
        s3 = self.client("s3")
        base = f"{self.prefix.strip('/')}/{job_name}"
        s3.put_object(Bucket=self.bucket, Key=f"{base}/{script.name}", Body=script.read_bytes())
        s3.put_object(Bucket=self.bucket, Key=f"{base}/wmg_modules.zip", Body=wmg_modules_zip())
        return (
            f"s3://{self.bucket}/{base}/{script.name}",
            f"s3://{self.bucket}/{base}/wmg_modules.zip",
        )

    def ensure_job(self, glue: Any, job_name: str, script_uri: str, modules_uri: str) -> None:
        definition = {
            "Role": self.role_arn,
            "Command": {"Name": "glueetl", "ScriptLocation": script_uri, "PythonVersion": "3"},
            "DefaultArguments": {
                "--extra-py-files": modules_uri,
                "--additional-python-modules": "dagster-pipes",
            },
            "GlueVersion": self.glue_version,
        }
        try:
            glue.get_job(JobName=job_name)
        except glue.exceptions.EntityNotFoundException:
            glue.create_job(Name=job_name, **definition)
            return
        glue.update_job(JobName=job_name, JobUpdate=definition)

    def run(
        self,
        context: dg.AssetExecutionContext,
        job_name: str,
        script: Path,
        arguments: dict[str, str],
        glue_client: Any = None,
    ) -> Any:
        """Package, define and run the Glue job; the Pipes invocation (its results)."""
        from dagster_aws.pipes import (
            PipesGlueClient,
            PipesS3ContextInjector,
            PipesS3MessageReader,
        )

        glue = glue_client or self.client("glue")
        script_uri, modules_uri = self.package(job_name, script)
        self.ensure_job(glue, job_name, script_uri, modules_uri)
        s3 = self.client("s3")
        pipes = PipesGlueClient(
            client=glue,
            context_injector=PipesS3ContextInjector(bucket=self.bucket, client=s3),
            message_reader=PipesS3MessageReader(bucket=self.bucket, client=s3, interval=0.2),
        )
        params = {"JobName": job_name, "Arguments": {f"--{k}": v for k, v in arguments.items()}}
        return pipes.run(context=context, start_job_run_params=params)  # type: ignore[arg-type]
