"""Listing and downloading DDS files from S3 (or any S3-compatible server)."""

from __future__ import annotations

import gzip
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class S3Object:
    key: str
    etag: str
    size: int
    last_modified: datetime


def list_objects(client, bucket: str, prefix: str) -> Iterator[S3Object]:
    """Every object under the prefix, page by page (any number of keys)."""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield S3Object(key=item["Key"], etag=item["ETag"].strip('"'), size=int(item["Size"]),
                           last_modified=item["LastModified"].astimezone(UTC))


def download(client, bucket: str, key: str, target: Path) -> tuple[str, int]:
    """Stream an object to ``target``, gunzipping it when it is compressed; returns (etag, bytes read)."""
    response = client.get_object(Bucket=bucket, Key=key)
    body = response["Body"]
    etag = response["ETag"].strip('"')
    size = int(response.get("ContentLength", 0))
    head = body.read(2)
    with target.open("wb") as sink:
        if head == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=_Prepended(head, body)) as unzipped:
                shutil.copyfileobj(unzipped, sink, _CHUNK)
        else:
            sink.write(head)
            for chunk in iter(lambda: body.read(_CHUNK), b""):
                sink.write(chunk)
    return etag, size


def read_head(client, bucket: str, key: str, size: int) -> tuple[bytes, bool]:
    """The first ``size`` bytes of an object (gunzipped when it is compressed), and whether it goes on.

    Only as much as that is downloaded: the stream is closed once the head is read.
    """
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        chunk = body.read(min(size, _CHUNK))
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16) if chunk.startswith(GZIP_MAGIC) else None
        head = bytearray()
        while chunk and len(head) <= size:
            head += inflater.decompress(chunk, size + 1 - len(head)) if inflater else chunk
            if inflater and inflater.unconsumed_tail:
                break  # the head is full; the rest is not needed
            chunk = body.read(_CHUNK)
        more = len(head) > size or bool(chunk) or (inflater is not None and not inflater.eof)
    finally:
        body.close()
    return bytes(head[:size]), more


class _Prepended:
    """A readable stream that returns already-consumed bytes first (gzip needs its magic back)."""

    def __init__(self, head: bytes, body):
        self._head = head
        self._body = body

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            if size is None or size < 0:
                return head + self._body.read()
            return head + self._body.read(max(0, size - len(head)))
        return self._body.read(size) if size is not None and size >= 0 else self._body.read()
