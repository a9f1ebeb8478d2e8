"""The sensor's listing (presigned ListObjectsV2 pages parsed with lxml) against botocore's, on moto's S3."""

from concurrent.futures import ThreadPoolExecutor

from intacct_assets.dds.s3 import _botocore_listing, list_objects

HOSTILE_KEYS = [
    "a b/GLENTRY.all.2026-11-01T06-00-00Z.csv",
    "x+y/é ü.csv",
    "pct%2F/k&<>'\".csv",
    "tab\there.csv",
    "acme/GLENTRY.change.2026-11-02T06-00-00Z.001.csv.gz",
]


def test_the_listing_matches_botocores_for_every_key_and_page(s3, bucket):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: s3.put_object(Bucket=bucket, Key=f"many/{n:05d}.csv", Body=b"x" * n), range(1003)))
    for key in HOSTILE_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    listed = list(list_objects(s3, bucket, ""))
    assert len(listed) == 1003 + len(HOSTILE_KEYS)
    assert listed == list(_botocore_listing(s3, bucket, ""))
    assert {o.key for o in list_objects(s3, bucket, "acme/")} == {HOSTILE_KEYS[-1]}


def test_a_refused_listing_is_botocores_error(s3):
    try:
        list(list_objects(s3, "no-such-bucket-here", ""))
    except Exception as error:  # botocore's ClientError, which names the problem
        assert "NoSuchBucket" in str(error)
    else:
        raise AssertionError("listing a missing bucket must fail")
