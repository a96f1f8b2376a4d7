"""A Glue step through dagster-aws's `PipesGlueClient`, as dagster-aws's own Pipes tests do:
the Glue and S3 APIs are moto's (server, over HTTP); `LocalGlueRun` below is a FAKE of Glue
running the job — it runs the job's script from S3 locally, with the job's arguments and the
WMG modules zip on the path — because no Glue runtime can run here. Everything else (the
packaging, the job definition, Pipes' context and messages through S3) is real."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3
import dagster as dg
import pytest

from wmg_assets.migration.elt import glue_job
from wmg_resources.glue import GlueResource


class LocalGlueRun:
    """FAKE of a running Glue job: the moto Glue client, except that `start_job_run` runs the
    job's script from S3 in a local Python and `get_job_run` reports how it ended."""

    def __init__(self, glue: Any, s3: Any, endpoint: str) -> None:
        self.glue, self.s3, self.endpoint = glue, s3, endpoint
        self.exceptions = glue.exceptions
        self.meta = glue.meta
        self.states: dict[str, str] = {}
        self.outputs: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.glue, name)

    def _download(self, uri: str, folder: Path) -> Path:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        target = folder / key.rsplit("/", 1)[-1]
        self.s3.download_file(bucket, key, str(target))
        return target

    def start_job_run(self, JobName: str, Arguments: dict[str, str]) -> dict:
        run_id = self.glue.start_job_run(JobName=JobName, Arguments=Arguments)["JobRunId"]
        job = self.glue.get_job(JobName=JobName)["Job"]
        arguments = {**job.get("DefaultArguments", {}), **Arguments}
        with tempfile.TemporaryDirectory() as folder:
            script = self._download(job["Command"]["ScriptLocation"], Path(folder))
            modules = self._download(arguments["--extra-py-files"], Path(folder))
            argv = [part for k, v in Arguments.items() for part in (k, v)]
            env = {**os.environ, "PYTHONPATH": str(modules), "AWS_ENDPOINT_URL": self.endpoint}
            done = subprocess.run(
                [sys.executable, str(script), *argv],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        self.states[run_id] = "SUCCEEDED" if done.returncode == 0 else "FAILED"
        self.outputs[run_id] = done.stdout + done.stderr
        return {"JobRunId": run_id}

    def get_job_run(self, JobName: str, RunId: str) -> dict:
        response = self.glue.get_job_run(JobName=JobName, RunId=RunId)
        response["JobRun"]["JobRunState"] = self.states.get(RunId, "RUNNING")
        response["JobRun"]["ErrorMessage"] = self.outputs.get(RunId, "")[-2000:]
        return response


@pytest.fixture
def glue(moto_endpoint: str, s3_bucket: str):
    resource = GlueResource(bucket=s3_bucket, endpoint_url=moto_endpoint)
    fake = LocalGlueRun(resource.client("glue"), resource.client("s3"), moto_endpoint)
    return resource, fake


def _asset(fake: LocalGlueRun, job: str, arguments: dict[str, str]) -> dg.AssetsDefinition:
    @dg.asset
    def cleaned_headers(context: dg.AssetExecutionContext, glue: GlueResource):
        """A CSV's header cleaned by WMG's own function, in a Glue job."""
        invocation = glue.run(context, job, Path(glue_job.__file__), arguments, glue_client=fake)
        return invocation.get_materialize_result()

    return cleaned_headers


def test_a_glue_step_reports_back_into_the_dagster_run(glue, s3_bucket: str) -> None:
    resource, fake = glue
    s3 = boto3.client("s3", endpoint_url=resource.endpoint_url, region_name="us-east-1")
    s3.put_object(
        Bucket=s3_bucket,
        Key="in/people.csv",
        Body=b"First Name,E-mail Address\nAnn,ann@x.io\nBob,bob@x.io\n",
    )
    asset = _asset(
        fake,
        "wmg-clean-headers",
        {"input": f"s3://{s3_bucket}/in/people.csv", "output": f"s3://{s3_bucket}/out/people.csv"},
    )
    result = dg.materialize([asset], resources={"glue": resource})
    assert result.success
    [materialization] = result.asset_materializations_for_node("cleaned_headers")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["rows"] == 2
    assert metadata["columns"] == "first_name, e_mail_address"
    assert metadata["AWS Glue Job Name"] == "wmg-clean-headers"
    job = s3.get_object(Bucket=s3_bucket, Key="out/people.csv")["Body"].read().decode()
    assert job.splitlines() == ["first_name,e_mail_address", "Ann,ann@x.io", "Bob,bob@x.io"]
    defined = resource.client("glue").get_job(JobName="wmg-clean-headers")["Job"]
    assert defined["DefaultArguments"]["--extra-py-files"].endswith("/wmg_modules.zip")


def test_a_failing_glue_job_fails_the_step(glue, s3_bucket: str) -> None:
    resource, fake = glue
    asset = _asset(
        fake,
        "wmg-clean-missing",  # moto has no UpdateJob: each test defines its own job
        {"input": f"s3://{s3_bucket}/in/missing.csv", "output": f"s3://{s3_bucket}/out/x.csv"},
    )
    result = dg.materialize([asset], resources={"glue": resource}, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "completed with status FAILED" in str(failure.event_specific_data)
    assert "NoSuchKey" in str(failure.event_specific_data)
