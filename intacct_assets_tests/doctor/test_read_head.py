"""The first bytes of a DDS file, compressed or not, without downloading the rest."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest

from intacct_assets.dds.s3 import read_head

BODY = b"".join(f'{n},customer {n},"a, b"\n'.encode() for n in range(40_000))  # ~1 MiB


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_the_head_of_a_long_file_says_it_goes_on(s3, bucket, compressed):
    s3.put_object(Bucket=bucket, Key="f.csv", Body=gzip.compress(BODY) if compressed else BODY)
    head, more = read_head(s3, bucket, "f.csv", 1000)
    assert head == BODY[:1000] and more


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("size", [len(BODY), len(BODY) + 1, 10 * len(BODY)])
def test_a_file_that_fits_is_read_whole(s3, bucket, compressed, size):
    s3.put_object(Bucket=bucket, Key="f.csv", Body=gzip.compress(BODY) if compressed else BODY)
    assert read_head(s3, bucket, "f.csv", size) == (BODY, False)


def test_a_file_one_byte_longer_than_the_head_goes_on(s3, bucket):
    s3.put_object(Bucket=bucket, Key="f.csv.gz", Body=gzip.compress(BODY + b"x"))
    assert read_head(s3, bucket, "f.csv.gz", len(BODY)) == (BODY, True)


def test_bytes_that_only_start_like_gzip_are_a_decompression_error(s3, bucket):
    s3.put_object(Bucket=bucket, Key="f.csv", Body=b"\x1f\x8b" + os.urandom(64))
    with pytest.raises(zlib.error):
        read_head(s3, bucket, "f.csv", 1000)
