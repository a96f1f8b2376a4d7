"""The lake behaves the same on a local folder and on S3 (moto server over HTTP)."""

import hashlib
from datetime import datetime
from pathlib import Path

import boto3
import pytest

from wmg_resources.lake import CHUNK, LakeResource, archive_key, landing_key


@pytest.fixture(params=["folder", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> LakeResource:
    if request.param == "folder":
        return LakeResource(url=str(tmp_path / "lake"))
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return LakeResource(url=f"s3://{bucket}/prefix", s3_endpoint_url=endpoint)


def test_put_list_digest_move_delete(lake: LakeResource, tmp_path: Path) -> None:
    body = "id,name\n1,ä\n2,b".encode()
    src = tmp_path / "f.csv"
    src.write_bytes(body)
    lake.put_file(src, landing_key("f.csv"))
    lake.put_bytes(b"x", "data/in/g.csv")
    assert [o.key for o in lake.list("data/in")] == ["data/in/f.csv", "data/in/g.csv"]
    digest = lake.digest(landing_key("f.csv"))
    assert (digest.size, digest.lines) == (len(body), 3)
    assert digest.sha256 == hashlib.sha256(body).hexdigest()

    dest = archive_key("f.csv", datetime(2026, 11, 2))
    assert dest == "data/archive/2026/11/f.csv"
    lake.move(landing_key("f.csv"), dest)
    assert not lake.exists(landing_key("f.csv")) and lake.read_bytes(dest) == body
    assert lake.key_of(lake.uri(dest)) == dest
    with lake.local_copy(dest, tmp_path / "scratch") as local:
        assert local.read_bytes() == body
    lake.delete_prefix("data")
    assert lake.list("data") == []


def test_digest_of_a_file_of_several_chunks(lake: LakeResource, tmp_path: Path) -> None:
    """Hashing runs a chunk behind the read in its own thread: the hash, the line count and
    the bytes `observe` sees are still those of the whole file, in order."""
    line = b"1,\xc3\xa4,a longer value to fill the chunks\n"
    body = line * (2 * CHUNK // len(line) + 7) + b"last line without a break"
    src = tmp_path / "big.csv"
    src.write_bytes(body)
    lake.put_file(src, landing_key("big.csv"))
    seen = bytearray()
    digest = lake.digest(landing_key("big.csv"), observe=seen.extend)
    assert digest.sha256 == hashlib.sha256(body).hexdigest()
    assert (digest.size, digest.lines) == (len(body), body.count(b"\n") + 1)
    assert bytes(seen) == body


def test_put_file_copies_and_moves_only_when_asked(lake: LakeResource, tmp_path: Path) -> None:
    kept, taken = tmp_path / "kept.parquet", tmp_path / "taken.parquet"
    kept.write_bytes(b"kept")
    taken.write_bytes(b"taken")
    lake.put_file(kept, "silver/a/kept.parquet")
    lake.put_file(taken, "silver/a/taken.parquet", move=True)
    assert lake.read_bytes("silver/a/kept.parquet") == b"kept" and kept.exists()
    assert lake.read_bytes("silver/a/taken.parquet") == b"taken"
    assert taken.exists() == lake.is_s3  # renamed into a local lake; uploaded to S3


def test_s3_lake_writes_real_objects(moto_endpoint: str, s3_bucket: str) -> None:
    lake = LakeResource(url=f"s3://{s3_bucket}/root", s3_endpoint_url=moto_endpoint)
    lake.put_bytes(b"hello", "data/in/a.csv")
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    assert s3.get_object(Bucket=s3_bucket, Key="root/data/in/a.csv")["Body"].read() == b"hello"
    assert lake.uri("data/in/a.csv") == f"s3://{s3_bucket}/root/data/in/a.csv"


def test_list_page_is_bounded_ordered_and_shallow(lake: LakeResource) -> None:
    for name in ("c.csv", "a.csv", "b b+.csv", "sub/nested.csv"):
        lake.put_bytes(name.encode(), f"data/in/{name}")
    lake.put_bytes(b"elsewhere", "data/inbox.csv")
    first = lake.list_page("data/in", limit=2)
    assert [o.key for o in first] == ["data/in/a.csv", "data/in/b b+.csv"]
    rest = lake.list_page("data/in", first[-1].key, limit=2)
    assert [o.key for o in rest] == ["data/in/c.csv"]  # not sub/ nor data/inbox.csv
    assert lake.list_page("data/in", rest[-1].key, limit=2) == []
    a = first[0]
    assert (a.name, a.size) == ("a.csv", 5) and a.mtime is not None and a.etag
    assert lake.stat("data/in/a.csv") == a  # the same facts from a listing and a lookup
    assert lake.stat("data/in/missing.csv") is None
    lake.put_bytes(b"changed", "data/in/a.csv")
    changed = lake.stat("data/in/a.csv")
    assert changed is not None and changed.etag != a.etag  # a new version, a new ETag
    assert lake.list_page("data/nothing-here") == []


def test_a_landed_file_moved_by_another_run_is_read_where_it_went(lake: LakeResource) -> None:
    lake.put_bytes(b"id\n1\n", landing_key("m.csv"))
    seen_at = landing_key("m.csv")
    assert lake.find_landed("m.csv") == seen_at
    lake.move(seen_at, archive_key("m.csv", datetime(2026, 11, 2)))  # the other run archived it
    with lake.open_landed("m.csv", seen_at) as stream:
        assert stream.read() == b"id\n1\n"
    lake.delete_prefix("data")
    with pytest.raises(FileNotFoundError):
        lake.open_landed("m.csv", seen_at)
