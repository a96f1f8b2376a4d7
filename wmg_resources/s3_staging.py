"""A temporary S3 prefix for one copy between databases (another account's bucket reached
with assumed-role credentials, or this account's): `s3://bucket/base/<uuid>/`, unique per
use and **emptied when the `with` block ends, whether or not it failed** (objects and any
unfinished multipart upload).

Data passes through in bounded pieces: a byte stream (PostgreSQL `COPY` output) is uploaded
as multipart parts of `PART_BYTES`, rolling to a new object every `OBJECT_BYTES`; Arrow batches
are written as Parquet files of about `PARQUET_ROWS` rows each, spooled to a temporary file
before their upload; reads stream objects back chunk by chunk, or Parquet batch by batch.
"""

import logging
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

PART_BYTES = 8 << 20  # S3's multipart minimum is 5 MiB
OBJECT_BYTES = 256 << 20
PARQUET_ROWS = 1_000_000
READ_CHUNK = 1 << 20


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → (`bucket`, `some/prefix`)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri!r}: an S3 location is s3://bucket/prefix")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"{uri!r}: no bucket")
    return bucket, prefix.strip("/")


@dataclass
class S3Object:
    key: str
    size: int


@dataclass
class S3Staging:
    """The temporary prefix under `base_uri` (module docstring)."""

    client: Any
    base_uri: str
    bucket: str = field(init=False)
    prefix: str = field(init=False)

    def __post_init__(self) -> None:
        self.bucket, base = split_s3_uri(self.base_uri)
        self.prefix = f"{base}/{uuid.uuid4().hex}/".lstrip("/")

    def __enter__(self) -> "S3Staging":
        return self

    def __exit__(self, *exc: object) -> None:
        self.empty()

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    @property
    def prefix_uri(self) -> str:
        return self.uri(self.prefix)

    def objects(self) -> list[S3Object]:
        """The objects under the prefix, in key order."""
        found: list[S3Object] = []
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix):
            found += [S3Object(o["Key"], o["Size"]) for o in page.get("Contents", [])]
        return sorted(found, key=lambda o: o.key)

    def empty(self) -> None:
        """Delete every object and abort every unfinished upload under the prefix."""
        uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        for upload in uploads.get("Uploads", []):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        keys = [o.key for o in self.objects()]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})
        log.debug("emptied %s (%d objects)", self.prefix_uri, len(keys))

    def upload_stream(self, name: str, chunks: Iterable[bytes]) -> list[S3Object]:
        """Upload a byte stream as `name-00000`, `name-00001`, … (a new object every
        `OBJECT_BYTES`, cut at chunk boundaries so each object holds whole chunks)."""
        written: list[S3Object] = []
        upload: MultipartUpload | None = None
        for chunk in chunks:
            if upload is None:
                upload = MultipartUpload(self.client, self.bucket,
                                    f"{self.prefix}{name}-{len(written):05d}")  # fmt: skip
            upload.write(chunk)
            if upload.size >= OBJECT_BYTES:
                written.append(upload.close())
                upload = None
        if upload is not None:
            written.append(upload.close())
        return written

    def download_chunks(self, key: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()

    def write_parquet(self, batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> list[S3Object]:
        """The batches as Parquet files `part-00000.parquet`, … of about `PARQUET_ROWS` rows."""
        written: list[S3Object] = []
        stream = iter(batches)
        batch = next(stream, None)
        while batch is not None:
            with tempfile.TemporaryFile() as spool:
                with pq.ParquetWriter(spool, schema) as writer:
                    rows = 0
                    while batch is not None and rows < PARQUET_ROWS:
                        writer.write_batch(batch)
                        rows += batch.num_rows
                        batch = next(stream, None)
                size = spool.tell()
                spool.seek(0)
                key = f"{self.prefix}part-{len(written):05d}.parquet"
                self.client.upload_fileobj(spool, self.bucket, key)
                written.append(S3Object(key, size))
        return written

    def read_parquet(self) -> Iterator[pa.RecordBatch]:
        """Every Parquet file under the prefix (as UNLOAD leaves them), batch by batch."""
        for obj in self.objects():
            if obj.size == 0:
                continue
            with tempfile.TemporaryFile() as spool:
                self.client.download_fileobj(self.bucket, obj.key, spool)
                spool.seek(0)
                yield from pq.ParquetFile(spool).iter_batches(batch_size=100_000)


class MultipartUpload:
    """One object uploaded in parts of `PART_BYTES` (aborted if it is never completed:
    `S3Staging.empty` aborts what is left)."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        self.parts: list[dict] = []
        self.buffer = bytearray()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.buffer += chunk
        self.size += len(chunk)
        if len(self.buffer) >= PART_BYTES:
            self._flush()

    def _flush(self) -> None:
        number = len(self.parts) + 1
        answer = self.client.upload_part(
            Bucket=self.bucket, Key=self.key, PartNumber=number, UploadId=self.upload_id,
            Body=bytes(self.buffer),
        )  # fmt: skip
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self.buffer.clear()

    def close(self) -> S3Object:
        if self.buffer or not self.parts:
            self._flush()
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )  # fmt: skip
        return S3Object(self.key, self.size)
