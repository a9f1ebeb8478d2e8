"""A moto S3 server holding a bucket of historical files, for the discovery and backfill benchmarks: run in a
child process, it fills its backend directly (fast, with the files' LastModified set) and reports its address."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Iterable
from datetime import datetime

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "NO_PROXY": "127.0.0.1",
}


def serve_bucket(bucket: str, files: Iterable[tuple[str, datetime, bytes]], queue: multiprocessing.Queue) -> None:
    """Serve ``bucket`` holding ``files`` (key, LastModified, body); puts (host, port) on ``queue``, then waits to
    be killed."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    backend.create_bucket(bucket, "us-east-1")
    for key, moment, body in files:
        backend.put_object(bucket, key, body).last_modified = moment.replace(tzinfo=None)
    queue.put(server.get_host_and_port())
    time.sleep(24 * 3600)
