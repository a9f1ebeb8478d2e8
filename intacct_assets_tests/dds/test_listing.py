"""The sensor's listing (presigned ListObjectsV2 pages parsed with lxml) against botocore's, on moto's S3."""

from intacct_assets.dds.s3 import _botocore_listing, list_objects

HOSTILE_KEYS = [
    "a b/GLENTRY.all.2026-11-01T06-00-00Z.csv",
    "x+y/é ü.csv",
    "pct%2F/k&<>'\".csv",
    "tab\there.csv",
    "acme/GLENTRY.change.2026-11-02T06-00-00Z.001.csv.gz",
]


def test_the_listing_matches_botocores_for_every_key_and_page(s3, bucket):
    """Pages of 7 keys (S3 gives 1,000; the paging is the same) over 23 plain and a few hostile keys."""
    for n in range(23):
        s3.put_object(Bucket=bucket, Key=f"many/{n:05d}.csv", Body=b"x" * n)
    for key in HOSTILE_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    listed = list(list_objects(s3, bucket, "", page_size=7))
    assert len(listed) == 23 + len(HOSTILE_KEYS)
    assert listed == list(_botocore_listing(s3, bucket, ""))
    assert {o.key for o in list_objects(s3, bucket, "acme/")} == {HOSTILE_KEYS[-1]}


def test_a_listing_since_a_moment_skips_the_older_pages_and_keeps_every_newer_key(s3, bucket):
    """A page whose objects are all older than the moment is not parsed, yet paging goes on through it: the newer
    keys of the first and the last page are listed, exactly as botocore's listing filtered."""
    for n in range(25):
        s3.put_object(Bucket=bucket, Key=f"old/{n:05d}.csv", Body=b"x")
    oldest_allowed = max(o.last_modified for o in _botocore_listing(s3, bucket, ""))
    newer = ["old/00000x.csv", "old/00024x.csv"]  # on pages 1 and 3 of 10 keys; page 2 holds only older ones
    stamp = oldest_allowed
    while stamp <= oldest_allowed:  # S3 stamps to the second: write until the stamp is a later second
        s3.put_object(Bucket=bucket, Key=newer[0], Body=b"y")
        stamp = s3.head_object(Bucket=bucket, Key=newer[0])["LastModified"]
    s3.put_object(Bucket=bucket, Key=newer[1], Body=b"y")
    listed = [o.key for o in list_objects(s3, bucket, "", modified_since=stamp, page_size=10)]
    assert listed == newer
    assert listed == [o.key for o in _botocore_listing(s3, bucket, "") if o.last_modified >= stamp]


def test_a_refused_listing_is_botocores_error(s3):
    try:
        list(list_objects(s3, "no-such-bucket-here", ""))
    except Exception as error:  # botocore's ClientError, which names the problem
        assert "NoSuchBucket" in str(error)
    else:
        raise AssertionError("listing a missing bucket must fail")
