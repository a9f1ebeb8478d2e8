"""The intacct-sandbox command: prints export lines, runs a child with the environment, propagates its exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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


LINGERING_CHILD = (
    "import subprocess, sys, time; "
    "helper = subprocess.Popen([sys.executable, '-c', "
    "'import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)']); "
    "print(helper.pid, flush=True); time.sleep(600)"
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_sigterm_stops_the_child_and_everything_it_started_even_when_sigint_was_ignored():
    """Started as a background job (SIGINT ignored), the child must still stop, and a process it started
    that ignores SIGINT (like a code server that hangs on) must not outlive it."""
    cli = subprocess.Popen(
        [
            "sh",
            "-c",
            'trap "" INT; exec "$@"',
            "sh",
            sys.executable,
            "-m",
            "intacct_assets.sandbox",
            "--no-s3",
            "--count",
            "CUSTOMER=5",
            "--",
            sys.executable,
            "-c",
            LINGERING_CHILD,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        helper = int(cli.stdout.readline())
        assert _alive(helper)
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(timeout=60) != 0
        deadline = time.monotonic() + 30
        while _alive(helper) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(helper)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
        cli.stdout.close()
