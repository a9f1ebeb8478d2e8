"""Listing and downloading DDS files from S3 (or any S3-compatible server)."""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote_plus

import httpx
from lxml import etree

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class S3Object:
    key: str
    etag: str
    size: int
    last_modified: datetime


_S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# Listings are XML from the network: no entities resolved, no DTD or network access, no huge trees.
_LISTING_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class ListingUnavailableError(RuntimeError):
    """A presigned listing request was refused: the caller lists through botocore instead."""


def list_objects(client, bucket: str, prefix: str) -> Iterator[S3Object]:
    """Every object under the prefix, page by page (any number of keys).

    Pages are fetched with presigned ``ListObjectsV2`` URLs (signed by the client, so credentials, endpoint
    and addressing are botocore's) and parsed with lxml: botocore's own parser costs ~70 µs of CPU a key
    (most of it parsing LastModified with dateutil), which made a sensor tick cost seconds at 100,000
    keys; this costs ~5. A server that refuses presigned listings is listed through botocore.
    """
    listed = 0
    try:
        for obj in _presigned_listing(client, bucket, prefix):
            listed += 1
            yield obj
    except ListingUnavailableError as error:
        if listed:
            raise
        log.info("listing s3://%s/%s through botocore: %s", bucket, prefix, error)
        yield from _botocore_listing(client, bucket, prefix)


def _presigned_listing(client, bucket: str, prefix: str) -> Iterator[S3Object]:
    params: dict[str, str] = {"Bucket": bucket, "Prefix": prefix, "EncodingType": "url"}
    bundle = os.environ.get("AWS_CA_BUNDLE")  # botocore's own setting for a private CA
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=bundle) if bundle else True
    with httpx.Client(timeout=120, verify=verify) as http:
        while True:
            url = client.generate_presigned_url("list_objects_v2", Params=params, ExpiresIn=900)
            response = http.get(url)
            if response.status_code != 200:
                raise ListingUnavailableError(f"the presigned ListObjectsV2 request answered HTTP "
                                              f"{response.status_code}")
            root = etree.fromstring(response.content, _LISTING_PARSER)
            for item in root.iterfind(f"{_S3_NS}Contents"):
                fields = {child.tag[len(_S3_NS):]: child.text for child in item}
                yield S3Object(key=unquote_plus(fields["Key"]), etag=(fields.get("ETag") or "").strip('"'),
                               size=int(fields.get("Size") or 0),
                               last_modified=datetime.fromisoformat(fields["LastModified"]).astimezone(UTC))
            token = root.findtext(f"{_S3_NS}NextContinuationToken")
            if root.findtext(f"{_S3_NS}IsTruncated") != "true" or not token:
                return
            params["ContinuationToken"] = token


def _botocore_listing(client, bucket: str, prefix: str) -> Iterator[S3Object]:
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
