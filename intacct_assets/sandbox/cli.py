"""``intacct-sandbox``: start the emulator on loopback, print its URLs and ``export`` lines, serve until
Ctrl-C, or run ``-- COMMAND...`` as a child with the environment set and stop when it exits.

Knob options are generated from :class:`Knobs` and DDS format options from :class:`DdsFormat`, so every
runtime knob is also a CLI flag without a second list to maintain.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import signal
import subprocess
import sys
import threading
import time

import click

from intacct_assets.sandbox.sandbox import Sandbox
from intacct_assets.sandbox.settings import DdsFormat, Knobs, SandboxSettings

REALISTIC = {"latency_ms": 150, "concurrency_limit": 2}


def _option_type(default: object) -> object:
    if isinstance(default, bool):
        return bool
    if isinstance(default, tuple):
        return str
    return type(default) if default is not None else int


def _knob_options(command):
    for field in reversed(dataclasses.fields(Knobs)):
        default = field.default
        flag = "--" + field.name.replace("_", "-")
        if isinstance(default, bool):
            flag = f"{flag}/--no-{field.name.replace('_', '-')}"
        command = click.option(
            flag, field.name, type=_option_type(default), default=None, help=f"knob {field.name} (default {default!r})"
        )(command)
    for field in reversed(dataclasses.fields(DdsFormat)):
        default = field.default
        flag = "--dds-" + field.name.replace("_", "-")
        kwargs: dict = {"default": None, "help": f"DDS file format {field.name} (default {default!r})"}
        if isinstance(default, bool):
            flag = f"{flag}/--no-dds-{field.name.replace('_', '-')}"
        elif field.name == "line_ending":
            kwargs["type"] = click.Choice(["unix", "windows", "mac"])
        elif field.name == "split_size":
            kwargs["type"] = int
        command = click.option(flag, "dds_" + field.name, **kwargs)(command)
    return command


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True, help="bind address (loopback unless given)")
@click.option("--port", default=0, show_default=True, help="port for REST + XML + admin (0 = any free port)")
@click.option("--seed", default=1, show_default=True, help="seed of the fake company")
@click.option("--scale", default=1.0, show_default=True, help="multiplier on the default record counts")
@click.option("--count", "counts", multiple=True, metavar="OBJECT=N", help="record count, e.g. CUSTOMER=200000")
@click.option(
    "--dds-interval",
    "dds_interval",
    type=float,
    default=None,
    help="automatic DDS delivery every N seconds (alias of --dds-interval-seconds)",
)
@click.option("--initial-delivery", is_flag=True, help="deliver an `all` job of every DDS object at start")
@click.option("--s3-endpoint", default=None, help="use this S3 endpoint instead of starting a local one")
@click.option("--bucket", default="intacct-dds", show_default=True)
@click.option("--prefix", default="dds/", show_default=True)
@click.option("--no-s3", is_flag=True, help="no DDS bucket at all")
@click.option("--realistic", is_flag=True, help=f"turn on realistic limits {REALISTIC}")
@click.option("--company-id", default="SANDBOX-CO", show_default=True, help="the fake company's ID")
@click.option(
    "--env-prefix",
    default="",
    help="prefix of the exported variables (EAST_ exports "
    "EAST_INTACCT_CLIENT_ID…), so that sandboxes nest, one company each",
)
@click.option(
    "--replay",
    type=click.Path(exists=True),
    default=None,
    help="answer from this capture file or folder (INTACCT_CAPTURE_DIR) instead of a seeded company",
)
@_knob_options
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def main(
    host,
    port,
    seed,
    scale,
    counts,
    dds_interval,
    initial_delivery,
    s3_endpoint,
    bucket,
    prefix,
    no_s3,
    realistic,
    company_id,
    env_prefix,
    replay,
    command,
    **options,
) -> None:
    """Run a local Sage Intacct sandbox (OAuth2, REST, XML gateway, DDS into S3).

    Examples: `intacct-sandbox --realistic` or `intacct-sandbox --dds-interval 30 -- dagster dev`.
    """
    knobs = Knobs()
    knob_changes = {
        **(REALISTIC if realistic else {}),
        **{k: v for k, v in options.items() if not k.startswith("dds_") and v is not None},
    }
    if dds_interval is not None:
        knob_changes["dds_interval_seconds"] = dds_interval
    try:
        knobs.update(**knob_changes)
        dds = DdsFormat().with_changes(**{k[4:]: v for k, v in options.items() if k.startswith("dds_")})
        settings = SandboxSettings(
            seed=seed,
            scale=scale,
            company_id=company_id,
            counts=_counts(counts),
            host=host,
            port=port,
            s3_endpoint=s3_endpoint,
            bucket=bucket,
            prefix=prefix,
            dds=dds,
            initial_delivery=initial_delivery,
            knobs=knobs,
            start_s3=not no_s3,
            replay=replay,
        )
        sandbox = Sandbox(settings)  # reads the capture to replay
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    try:
        sandbox.start()
    except (ValueError, RuntimeError, OSError) as error:
        raise click.ClickException(str(error)) from None
    out = sys.stderr if command else sys.stdout
    env = {env_prefix + name: value for name, value in sandbox.env.items()}
    _announce(sandbox, env, out)
    try:
        code = _run_child(command, env) if command else _serve()
    finally:
        sandbox.stop()
    sys.exit(code)


def _counts(pairs: tuple[str, ...]) -> dict[str, int]:
    counts = {}
    for pair in pairs:
        name, _, number = pair.partition("=")
        if not number.isdigit():
            raise ValueError(f"--count expects OBJECT=N, got {pair!r}")
        counts[name.upper()] = int(number)
    return counts


def _announce(sb: Sandbox, env: dict[str, str], out) -> None:
    print(f"Intacct sandbox ready in {sb.startup_seconds:.2f}s", file=out)
    print(f"  REST API   {sb.rest_url}", file=out)
    print(f"  XML API    {sb.xml_url}", file=out)
    print(f"  admin      {sb.admin_url}/stats", file=out)
    if sb.s3_endpoint:
        print(f"  DDS bucket s3://{sb.bucket}/{sb.prefix} at {sb.s3_endpoint}", file=out)
    print("# paste into your shell:", file=out)
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}", file=out)
    out.flush()


def _serve() -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    return 0


def _run_child(command: tuple[str, ...], env: dict[str, str]) -> int:
    """Run ``command`` in a process group of its own until it exits; nothing of that group outlives it.

    Ctrl-C and SIGTERM ask it to stop with SIGINT (dagster dev shuts its webserver, daemon and code
    servers down on SIGINT, not on SIGTERM). If it has not exited ``STOP_GRACE_SECONDS`` later, or once it
    has exited, whatever is left of its group (a code server, a run worker) is terminated, then killed.
    """
    # A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored across exec:
    # with a handler here, the child starts with the default again and can be stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    child = subprocess.Popen(list(command), env={**os.environ, **env}, process_group=0)
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()
        _signal_group(child.pid, signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            try:
                return child.wait(timeout=STOP_GRACE_SECONDS if stopping.is_set() else None)
            except KeyboardInterrupt:
                stop()
            except subprocess.TimeoutExpired:
                _signal_group(child.pid, signal.SIGKILL)
    finally:
        _end_group(child.pid)


STOP_GRACE_SECONDS = 30
LEFTOVER_GRACE_SECONDS = 5


def _signal_group(group: int, number: int) -> bool:
    """Send a signal to a process group; False when none of it is left."""
    try:
        os.killpg(group, number)
    except ProcessLookupError:
        return False
    return True


def _end_group(group: int) -> None:
    """Terminate what is left of the group; kill it if it has not gone ``LEFTOVER_GRACE_SECONDS`` later."""
    if not _signal_group(group, signal.SIGTERM):
        return
    deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
    while time.monotonic() < deadline and _signal_group(group, 0):
        time.sleep(0.1)
    _signal_group(group, signal.SIGKILL)
