"""The intacct-sandbox command: prints export lines, runs a child with the environment, propagates its exit."""

from __future__ import annotations

import subprocess
import sys

CHILD = (
    "import os, sys, urllib.request, json; "
    "url = os.environ['INTACCT_API_URL'].replace('/ia/api/v1', '/_sandbox/config'); "
    "print('latency', json.load(urllib.request.urlopen(url))['latency_ms']); "
    "print('user', os.environ['INTACCT_USERNAME']); sys.exit(7)"
)


def test_runs_child_with_env_and_returns_its_exit_code():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "intacct_assets.sandbox",
            "--no-s3",
            "--latency-ms",
            "3",
            "--count",
            "CUSTOMER=50",
            "--",
            sys.executable,
            "-c",
            CHILD,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 7, done.stderr
    assert "latency 3" in done.stdout and "user sandbox_user@SANDBOX-CO" in done.stdout
    assert "export INTACCT_API_URL=http://127.0.0.1:" in done.stderr
    assert "export INTACCT_DDS_BUCKET" not in done.stderr  # --no-s3


def test_bad_options_are_usage_errors():
    done = subprocess.run(
        [sys.executable, "-m", "intacct_assets.sandbox", "--error-rate", "5", "--", "true"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "error_rate" in done.stderr
