"""Listing and downloading DDS files from S3 (or any S3-compatible server)."""

from __future__ import annotations

import gzip
import html
import logging
import os
import re
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote_plus

import httpx
from lxml import etree

from intacct_assets.tls import verified_tls

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
# plain strings: lxml's default "smart" ones keep a link to their element and cost several times more
_LAST_MODIFIED = etree.XPath("s3:Contents/s3:LastModified/text()", namespaces={"s3": _S3_NS[1:-1]}, smart_strings=False)


# a page none of whose objects is new is not parsed at all: these find its LastModified texts and its paging
_LAST_MODIFIED_TEXT = re.compile(rb"<LastModified>([^<]{19})")
_CONTINUATION = re.compile(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>")
_TRUNCATED = re.compile(rb"<IsTruncated>\s*true\s*</IsTruncated>")


class ListingUnavailableError(RuntimeError):
    """A presigned listing request was refused: the caller lists through botocore instead."""


def list_objects(
    client, bucket: str, prefix: str, modified_since: datetime | None = None, page_size: int | None = None
) -> Iterator[S3Object]:
    """Every object under the prefix, page by page (any number of keys); with ``modified_since``, only those whose
    LastModified is not older (the others cost no object at all). ``page_size`` asks for smaller pages than S3's
    1,000 keys (tests page through a few keys instead of thousands).

    Pages are fetched with presigned ``ListObjectsV2`` URLs (signed by the client, so credentials, endpoint
    and addressing are botocore's) and parsed with lxml: botocore's own parser costs ~70 µs of CPU a key
    (most of it parsing LastModified with dateutil), which made a sensor tick cost seconds at 100,000
    keys. A server that refuses presigned listings is listed through botocore.
    """
    listed = 0
    try:
        for obj in _presigned_listing(client, bucket, prefix, modified_since, page_size):
            listed += 1
            yield obj
    except ListingUnavailableError as error:
        if listed:
            raise
        log.info("listing s3://%s/%s through botocore: %s", bucket, prefix, error)
        yield from (
            obj
            for obj in _botocore_listing(client, bucket, prefix)
            if modified_since is None or obj.last_modified >= modified_since
        )


def _presigned_listing(
    client, bucket: str, prefix: str, modified_since: datetime | None, page_size: int | None
) -> Iterator[S3Object]:
    params: dict[str, str | int] = {"Bucket": bucket, "Prefix": prefix, "EncodingType": "url"}
    if page_size:
        params["MaxKeys"] = page_size
    bundle = os.environ.get("AWS_CA_BUNDLE")  # botocore's own setting for a private CA
    # S3 writes LastModified as 2026-12-07T10:13:42.000Z: texts of one shape compare like the moments they say
    since = f"{modified_since.astimezone(UTC):%Y-%m-%dT%H:%M:%S}" if modified_since else ""
    with httpx.Client(timeout=120, verify=verified_tls(bundle)) as http:
        while True:
            url = client.generate_presigned_url("list_objects_v2", Params=params, ExpiresIn=900)
            response = http.get(url)
            if response.status_code != 200:
                raise ListingUnavailableError(
                    f"the presigned ListObjectsV2 request answered HTTP {response.status_code}"
                )
            content = response.content
            if since and max(_LAST_MODIFIED_TEXT.findall(content), default=b"").decode() < since:
                # nothing on this page is new (most pages, once the history is large): skip building its tree
                found = _CONTINUATION.search(content)
                token = html.unescape(found.group(1).decode()) if found else None
                truncated = _TRUNCATED.search(content) is not None
            else:
                root = etree.fromstring(content, _LISTING_PARSER)
                yield from _page_objects(root, since)
                token = root.findtext(f"{_S3_NS}NextContinuationToken")
                truncated = root.findtext(f"{_S3_NS}IsTruncated") == "true"
            if not truncated or not token:
                return
            params["ContinuationToken"] = token


def _page_objects(root, since: str) -> Iterator[S3Object]:
    """A page's objects not older than ``since``: LastModified is read for all (one XPath, plain strings, several
    times cheaper than element by element), the rest only for those kept."""
    contents = root.findall(f"{_S3_NS}Contents")
    moments = _LAST_MODIFIED(root)
    if len(moments) != len(contents):  # an element without LastModified: read them one by one
        moments = [item.findtext(f"{_S3_NS}LastModified") or "" for item in contents]
    for item, modified in zip(contents, moments, strict=True):
        if modified[:19] < since:
            continue
        key = item.findtext(f"{_S3_NS}Key")
        yield S3Object(
            key=unquote_plus(key) if "%" in key or "+" in key else key,
            etag=(item.findtext(f"{_S3_NS}ETag") or "").strip('"'),
            size=int(item.findtext(f"{_S3_NS}Size") or 0),
            last_modified=datetime.fromisoformat(modified).astimezone(UTC),
        )


def _botocore_listing(client, bucket: str, prefix: str) -> Iterator[S3Object]:
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield S3Object(
                key=item["Key"],
                etag=item["ETag"].strip('"'),
                size=int(item["Size"]),
                last_modified=item["LastModified"].astimezone(UTC),
            )


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
