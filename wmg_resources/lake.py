"""The lake: a local folder or an S3 prefix behind one interface, with one key layout.

Keys are always relative, `/`-separated and the same on disk and in S3:

    data/in/<file>                    landing
    data/archive/YYYY/MM/<file>       processed
    data/unprocessed/YYYY/MM/<file>   failed
    staging/<run_id>/                 temporary
    silver/<feed>/                    Iceberg table data
    dlq/<feed>/<run_id>/              rejected rows with reasons
    logs/<run_id>.jsonl               exported run logs

I/O streams through pyarrow's filesystems (`LocalFileSystem` / `S3FileSystem`), so big
files never have to fit in memory, and S3-compatible endpoints (moto, MinIO) work through
`s3_endpoint_url`.
"""

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from pydantic import PrivateAttr

CHUNK = 8 * 1024 * 1024


def landing_key(file_name: str) -> str:
    return f"data/in/{file_name}"


def archive_key(file_name: str, when: datetime) -> str:
    return f"data/archive/{when:%Y/%m}/{file_name}"


def unprocessed_key(file_name: str, when: datetime) -> str:
    return f"data/unprocessed/{when:%Y/%m}/{file_name}"


def staging_prefix(run_id: str) -> str:
    return f"staging/{run_id}"


def silver_prefix(feed: str) -> str:
    return f"silver/{feed}"


def dlq_prefix(feed: str, run_id: str) -> str:
    return f"dlq/{feed}/{run_id}"


@dataclass(frozen=True)
class LakeObject:
    key: str
    size: int
    mtime: datetime | None
    etag: str = ""  # S3's ETag; locally size and modification time (changes with the file)

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


def local_etag(size: int, mtime_ns: int) -> str:
    """A local file's version tag: it changes whenever the file is rewritten."""
    return f"{size:x}-{mtime_ns:x}"


@dataclass(frozen=True)
class FileDigest:
    """What bronze records of a landed file: its size, content hash and line count."""

    size: int
    sha256: str
    lines: int


class LakeResource(dg.ConfigurableResource):
    """The data lake: `url` is a folder path or `s3://bucket/prefix`."""

    url: str
    s3_endpoint_url: str | None = None
    region: str = "us-east-1"

    _fs: pafs.FileSystem | None = PrivateAttr(default=None)
    _s3: Any = PrivateAttr(default=None)

    # -- addressing -------------------------------------------------------------------

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    @property
    def _root(self) -> str:
        """The root as the pyarrow filesystem names it (`bucket/prefix` or `/abs/path`)."""
        if self.is_s3:
            parts = urlsplit(self.url)
            return f"{parts.netloc}/{parts.path.strip('/')}".rstrip("/")
        return str(Path(self.url).expanduser().resolve())

    @property
    def fs(self) -> pafs.FileSystem:
        if self._fs is None:
            if self.is_s3:
                endpoint = self.s3_endpoint_url
                scheme = "https"
                if endpoint:
                    parts = urlsplit(endpoint)
                    scheme, endpoint = parts.scheme or "https", parts.netloc or parts.path
                self._fs = pafs.S3FileSystem(
                    region=self.region, endpoint_override=endpoint, scheme=scheme
                )
            else:
                self._fs = pafs.LocalFileSystem()
        return self._fs

    @property
    def s3_client(self) -> Any:
        """A boto3 S3 client for what pyarrow's filesystem does not expose (ETags, paging)."""
        if self._s3 is None:
            import boto3  # only for S3/SQS/SNS: local runs skip its import

            self._s3 = boto3.client(
                "s3", endpoint_url=self.s3_endpoint_url, region_name=self.region
            )
        return self._s3

    def bucket_and_key(self, key: str) -> tuple[str, str]:
        """S3 bucket and object key of a lake key."""
        bucket, _, path = self.path(key).partition("/")
        return bucket, path

    def path(self, key: str) -> str:
        """The filesystem path of a key (no scheme)."""
        return f"{self._root}/{key.lstrip('/')}"

    def uri(self, key: str) -> str:
        """The full URI of a key: `s3://bucket/prefix/key` or `file:///abs/key`."""
        return f"s3://{self.path(key)}" if self.is_s3 else f"file://{self.path(key)}"

    def key_of(self, path_or_uri: str) -> str:
        """Inverse of `uri`/`path`: the lake key of a full path or URI."""
        raw = path_or_uri.split("://", 1)[-1]
        root = self._root
        if not raw.startswith(root + "/"):
            raise ValueError(f"{path_or_uri} is outside the lake at {self.url}")
        return raw[len(root) + 1 :]

    # -- objects ----------------------------------------------------------------------

    def exists(self, key: str) -> bool:
        return self.fs.get_file_info(self.path(key)).type == pafs.FileType.File

    def list_page(self, prefix: str, start_after: str = "", limit: int = 1000) -> list[LakeObject]:
        """At most `limit` objects directly under `prefix` (not in sub-folders), in key
        order, after the key `start_after`: one bounded page of a listing."""
        folder = prefix.rstrip("/") + "/"
        if self.is_s3:
            bucket, s3_prefix = self.bucket_and_key(folder)
            page = self.s3_client.list_objects_v2(
                Bucket=bucket,
                Prefix=s3_prefix,
                Delimiter="/",
                MaxKeys=limit,
                StartAfter=self.bucket_and_key(start_after)[1] if start_after else "",
            )
            return [
                LakeObject(folder + o["Key"][len(s3_prefix) :], o["Size"],
                           o["LastModified"], o["ETag"].strip('"'))
                for o in page.get("Contents", [])
            ]  # fmt: skip
        try:
            entries = list(os.scandir(self.path(folder)))
        except FileNotFoundError:
            return []
        names = sorted(
            e.name  # a name starting with "." is a copy still being written (put_file)
            for e in entries
            if e.is_file() and not e.name.startswith(".") and folder + e.name > start_after
        )
        return [o for o in (self.stat(folder + n) for n in names[:limit]) if o is not None]

    def list(self, prefix: str) -> list[LakeObject]:
        """Every object under a prefix, sorted by key."""
        info = self.fs.get_file_info(self.path(prefix))
        if info.type == pafs.FileType.NotFound:
            return []
        selector = pafs.FileSelector(self.path(prefix), recursive=True, allow_not_found=True)
        objects = [
            LakeObject(self.key_of(i.path), i.size or 0, i.mtime)
            for i in self.fs.get_file_info(selector)
            if i.type == pafs.FileType.File
        ]
        return sorted(objects, key=lambda o: o.key)

    def stat(self, key: str) -> LakeObject | None:
        """The object at `key` with its size, mtime and ETag; None when there is none."""
        if self.is_s3:
            bucket, path = self.bucket_and_key(key)
            try:
                head = self.s3_client.head_object(Bucket=bucket, Key=path)
            except self.s3_client.exceptions.ClientError as e:
                if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
            return LakeObject(
                key, head["ContentLength"], head["LastModified"], head["ETag"].strip('"')
            )
        try:
            st = os.stat(self.path(key))
        except FileNotFoundError:
            return None
        mtime = datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC)
        return LakeObject(key, st.st_size, mtime, local_etag(st.st_size, st.st_mtime_ns))

    def put_file(self, local_path: str | Path, key: str, *, move: bool = False) -> None:
        """Store a local file at `key`; with `move`, the local file may be taken (renamed into
        a local lake when it is on the same filesystem, else copied)."""
        self._ensure_parent(key)
        if not self.is_s3:
            if move:
                try:
                    os.replace(local_path, self.path(key))
                    return
                except OSError:
                    pass  # another filesystem: copy
            # Copied beside the key, then renamed over it: a reader never sees half a file.
            folder, name = os.path.split(self.path(key))
            partial = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.partial")
            try:
                shutil.copyfile(local_path, partial)  # copy_file_range/sendfile: in-kernel
                os.replace(partial, self.path(key))
            finally:
                Path(partial).unlink(missing_ok=True)
            return
        with open(local_path, "rb") as src, self.fs.open_output_stream(self.path(key)) as dst:
            shutil.copyfileobj(src, dst, CHUNK)

    def put_bytes(self, data: bytes, key: str) -> None:
        self._ensure_parent(key)
        with self.fs.open_output_stream(self.path(key)) as dst:
            dst.write(data)

    def read_bytes(self, key: str) -> bytes:
        with self.fs.open_input_stream(self.path(key)) as src:
            return src.read()

    def open_input(self, key: str):
        """A streaming binary reader of an object (a pyarrow `NativeFile`)."""
        return self.fs.open_input_stream(self.path(key))

    def open_landed(self, file_name: str, key: str):
        """A streaming reader of a landed file last seen at `key`; if another run moved it
        since (to the archive, or to unprocessed), its new place is read instead."""
        try:
            return self.open_input(key)
        except FileNotFoundError:
            moved = self.find_landed(file_name)
            if moved is None or moved == key:
                raise
            return self.open_input(moved)

    def open_input_file(self, key: str):
        """A seekable reader of an object (for Parquet footers)."""
        return self.fs.open_input_file(self.path(key))

    def parquet_rows(self, key: str) -> int:
        """Rows of a Parquet object, from its footer (the data is not read)."""
        with self.open_input_file(key) as src:
            return pq.ParquetFile(src).metadata.num_rows

    def move(self, src_key: str, dst_key: str) -> None:
        """Move an object; moving one that another process has just moved there is a no-op."""
        self._ensure_parent(dst_key)
        try:
            self.fs.move(self.path(src_key), self.path(dst_key))
        except FileNotFoundError:
            if not self.exists(dst_key):
                raise

    def delete(self, key: str) -> None:
        if self.exists(key):
            self.fs.delete_file(self.path(key))

    def delete_prefix(self, prefix: str) -> None:
        if self.fs.get_file_info(self.path(prefix)).type != pafs.FileType.NotFound:
            self.fs.delete_dir(self.path(prefix))

    def digest(self, key: str, observe: Callable[[bytes], None] | None = None) -> FileDigest:
        """Size, sha256 and line count of an object, in one streaming pass; `observe` sees
        every chunk too (e.g. to count CSV records on the way). Hashing and counting lines
        run in a thread beside `observe`, one chunk behind the read."""
        sha, size, lines, last = hashlib.sha256(), 0, 0, b"\n"

        def hash_and_count(chunk: bytes) -> None:
            nonlocal lines
            sha.update(chunk)
            lines += chunk.count(b"\n")

        with self.open_input(key) as src, ThreadPoolExecutor(1) as worker:
            done: Future[None] | None = None
            while chunk := src.read(CHUNK):
                if done is not None:
                    done.result()  # chunks are hashed in order, one at a time
                done = worker.submit(hash_and_count, chunk)
                if observe is not None:
                    observe(chunk)
                size += len(chunk)
                last = chunk[-1:]
            if done is not None:
                done.result()
        return FileDigest(
            size=size, sha256=sha.hexdigest(), lines=lines + int(size > 0 and last != b"\n")
        )

    @contextmanager
    def local_copy(self, key: str, scratch: Path) -> Iterator[Path]:
        """A local path to an object's bytes: the file itself locally, a download from S3."""
        if not self.is_s3:
            yield Path(self.path(key))
            return
        target = self.download(key, scratch)
        try:
            yield target
        finally:
            target.unlink(missing_ok=True)

    def download(self, key: str, scratch: Path) -> Path:
        """Copy an object's bytes into the folder `scratch` (named after its key); the copy."""
        scratch.mkdir(parents=True, exist_ok=True)
        target = scratch / key.replace("/", "__")
        with self.open_input(key) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        return target

    def find_landed(self, file_name: str) -> str | None:
        """Where a landed file is now: `data/in/`, else its newest archived or unprocessed
        copy (so a file's partition can be re-run after it was moved)."""
        if self.exists(landing_key(file_name)):
            return landing_key(file_name)
        moved = [
            o
            for prefix in ("data/archive", "data/unprocessed")
            for o in self.list(prefix)
            if o.key.rsplit("/", 1)[-1] == file_name
        ]
        return max(moved, key=lambda o: o.key[-len(file_name) - 8 :]).key if moved else None

    def _ensure_parent(self, key: str) -> None:
        if not self.is_s3:
            Path(self.path(key)).parent.mkdir(parents=True, exist_ok=True)
