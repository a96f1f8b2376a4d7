"""The AWS Glue job script of a WMG Glue step (uploaded by `wmg_resources/glue.py`, run by
Glue, never imported by the platform): it reads a CSV from S3, cleans its header with WMG's
own `clean_column_names` (shipped to the job in `--extra-py-files`), writes the cleaned CSV
back to S3, and reports the rows and columns to the Dagster run through Pipes (context and
messages through S3). Arguments: `--input s3://…`, `--output s3://…`, and Pipes' own."""

import csv
import io
import os
import sys


def _arguments(argv: list[str]) -> dict[str, str]:
    found, i = {}, 0
    while i < len(argv):
        if argv[i].startswith("--") and i + 1 < len(argv):
            found[argv[i][2:]] = argv[i + 1]
            i += 2
        else:
            i += 1
    return found


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def main() -> None:
    import boto3
    from dagster_pipes import (
        PipesCliArgsParamsLoader,
        PipesS3ContextLoader,
        PipesS3MessageWriter,
        open_dagster_pipes,
    )

    from wmg_assets.transforms.names import clean_column_names

    arguments = _arguments(sys.argv[1:])
    s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
    with open_dagster_pipes(
        params_loader=PipesCliArgsParamsLoader(),
        context_loader=PipesS3ContextLoader(client=s3),
        message_writer=PipesS3MessageWriter(client=s3),
    ) as pipes:
        bucket, key = _split(arguments["input"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        header = clean_column_names(rows[0], key)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows[1:])
        bucket, key = _split(arguments["output"])
        s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())
        pipes.log.info(f"{len(rows) - 1} rows written to {arguments['output']}")
        pipes.report_asset_materialization(
            metadata={
                "rows": len(rows) - 1,
                "columns": ", ".join(header),
                "output": arguments["output"],
            },
        )


if __name__ == "__main__":
    main()
