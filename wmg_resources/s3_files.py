"""S3 helpers of the framework (`common.s3_utils`, `download_s3_folder`) on any boto3 S3 client
(the lake's `s3_client`, or another account's): list with include / exclude patterns,
upload, download a folder, copy, and merge part files into one object — streamed through a
multipart upload, never a whole object in memory."""

import fnmatch
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wmg_resources.s3_staging import READ_CHUNK, MultipartUpload, S3Object, split_s3_uri


def _matches(name: str, include: Sequence[str] | None, exclude: Sequence[str] | None) -> bool:
    if include and not any(fnmatch.fnmatch(name, p) for p in include):
        return False
    return not (exclude and any(fnmatch.fnmatch(name, p) for p in exclude))


def list_objects(
    s3: Any,
    uri: str,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    recursive: bool = True,
    order_by: str | None = None,
    descending: bool = False,
) -> list[S3Object]:
    """The objects under `uri` whose path relative to it matches an `include` glob (all when
    none) and no `exclude` glob; ordered by `name`, `size` or listing order."""
    bucket, prefix = split_s3_uri(uri)
    base = f"{prefix}/" if prefix and not prefix.endswith("/") else prefix
    found: list[S3Object] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
        for item in page.get("Contents", []):
            relative = item["Key"][len(base) :]
            if not relative or (not recursive and "/" in relative):
                continue
            if _matches(relative, include, exclude):
                found.append(S3Object(item["Key"], item["Size"]))
    if order_by in ("name", "size"):
        found.sort(key=lambda o: o.key if order_by == "name" else o.size, reverse=descending)
    return found


def upload(s3: Any, local: str | Path, uri: str) -> str:
    bucket, key = split_s3_uri(uri)
    if not key or uri.endswith("/"):  # a folder: the file keeps its name
        key = f"{key}/{Path(local).name}".lstrip("/")
    s3.upload_file(str(local), bucket, key)
    return f"s3://{bucket}/{key}"


def download_folder(
    s3: Any,
    uri: str,
    folder: str | Path,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
) -> list[Path]:
    """Every matching object under `uri`, into `folder` with its relative path."""
    bucket, prefix = split_s3_uri(uri)
    base = f"{prefix}/" if prefix else ""
    written = []
    for obj in list_objects(s3, uri, include, exclude):
        target = Path(folder) / obj.key[len(base) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, obj.key, str(target))
        written.append(target)
    return written


def copy(s3: Any, source_uri: str, target_uri: str, delete_source: bool = False) -> str:
    """A server-side copy (boto3's managed copy: multipart for large objects)."""
    if "*" in target_uri:
        raise ValueError(f"{target_uri}: a copy's target cannot hold a wildcard")
    source_bucket, source_key = split_s3_uri(source_uri)
    bucket, key = split_s3_uri(target_uri)
    if not key or target_uri.endswith("/"):
        key = f"{key}/{source_key.rsplit('/', 1)[-1]}".lstrip("/")
    s3.copy({"Bucket": source_bucket, "Key": source_key}, bucket, key)
    if delete_source:
        s3.delete_object(Bucket=source_bucket, Key=source_key)
    return f"s3://{bucket}/{key}"


def merge_parts(
    s3: Any,
    parts_uri: str,
    target_uri: str,
    include: Sequence[str] = ("part-*",),
    skip_header_after_first: bool = False,
) -> int:
    """The part files under `parts_uri` (by name) concatenated into `target_uri`, streamed;
    with `skip_header_after_first`, the first line of every part but the first is dropped
    (CSV parts that each carry the header). The merged object's size."""
    parts = list_objects(s3, parts_uri, include, order_by="name")
    if not parts:
        raise FileNotFoundError(f"{parts_uri}: no part files matching {list(include)}")
    source_bucket, _ = split_s3_uri(parts_uri)
    bucket, key = split_s3_uri(target_uri)
    upload = MultipartUpload(s3, bucket, key)
    for number, part in enumerate(parts):
        body = s3.get_object(Bucket=source_bucket, Key=part.key)["Body"]
        skipping = skip_header_after_first and number > 0
        for chunk in body.iter_chunks(READ_CHUNK):
            if skipping:
                newline = chunk.find(b"\n")
                if newline < 0:
                    continue
                chunk, skipping = chunk[newline + 1 :], False
            upload.write(chunk)
    return upload.close().size
