"""A tree of files, whatever holds it: a folder, a zip (a git export) or an S3 prefix
(read with the lake's S3 client, so its endpoint and region apply). Files are read on
demand, by relative path (`/` separated)."""

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FileTree:
    where: str
    files: dict[str, Callable[[], bytes]]  # relative path → its bytes

    def under(self, folder: str) -> "FileTree":
        """The subtree under `folder` (paths relative to it)."""
        prefix = folder.strip("/") + "/"
        return FileTree(
            f"{self.where}/{folder}",
            {p[len(prefix) :]: read for p, read in self.files.items() if p.startswith(prefix)},
        )

    def folders(self) -> set[str]:
        return {p.split("/", 1)[0] for p in self.files if "/" in p}


def _zip_reader(path: Path, member: str) -> Callable[[], bytes]:
    def read() -> bytes:
        with zipfile.ZipFile(path) as z:
            return z.read(member)

    return read


def read_tree(spec: str, s3_client: Any | None = None) -> FileTree:
    """The files of a folder, a `.zip` or `s3://bucket/prefix` (module docstring)."""
    if spec.startswith("s3://"):
        if s3_client is None:
            raise ValueError(f"{spec}: an S3 path needs the lake's S3 client")
        bucket, _, prefix = spec[len("s3://") :].partition("/")
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        pages = s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        keys = sorted(o["Key"] for page in pages for o in page.get("Contents", []))

        def s3_reader(key: str) -> Callable[[], bytes]:
            return lambda: s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()

        files = {k[len(prefix) :]: s3_reader(k) for k in keys if not k.endswith("/")}
        return FileTree(spec, files)
    path = Path(spec)
    if path.is_dir():
        return FileTree(
            spec,
            {
                p.relative_to(path).as_posix(): p.read_bytes
                for p in sorted(path.rglob("*"))
                if p.is_file()
            },
        )
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
        root = _common_root(names)
        return FileTree(spec, {n[len(root) :]: _zip_reader(path, n) for n in names})
    raise FileNotFoundError(f"{spec}: not a folder, a zip or an s3:// prefix")


def _common_root(names: list[str]) -> str:
    """A git export's single top folder (`repo-main/`), stripped so paths start at `src/`."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        top = next(iter(tops))
        if top != "src":
            return top + "/"
    return ""
