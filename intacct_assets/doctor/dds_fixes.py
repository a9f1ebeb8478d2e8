"""The words of the DDS checks' answers: what to set when file names match no pattern or S3 refuses, the bucket's
folders as a hint, and lists and sizes put briefly."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.patterns import suggest_pattern

S3_ACCESS_FIX = "allow s3:ListBucket and s3:GetObject on the bucket to these AWS credentials"


def pattern_fix(ctx: DoctorContext, unmatched: list[str]) -> str:
    suggestion = suggest_pattern(unmatched, [obj.name for obj in ctx.catalog.dds_objects()])
    if suggestion is None:
        return (
            "set INTACCT_DDS_FILE_PATTERN to a regex with named groups object (required), job, ts, part that "
            "matches these names (README: Files)"
        )
    note = "; it replaces the default pattern" if not ctx.dds_settings.file_pattern else ""
    return (
        f"set INTACCT_DDS_FILE_PATTERN='{suggestion.pattern}' (it reads {suggestion.matches} of the "
        f"{len(unmatched)}{note})"
    )


def folders_hint(ctx: DoctorContext) -> str:
    """The bucket's top-level folders, to help find the right prefix."""
    try:
        answer = ctx.s3.list_objects_v2(Bucket=ctx.dds_settings.bucket, Delimiter="/", MaxKeys=20)
    except (BotoCoreError, ClientError):
        return ""
    folders = [entry["Prefix"] for entry in answer.get("CommonPrefixes", [])]
    return f" (folders at the bucket's top: {', '.join(folders)})" if folders else ""


def s3_fix(error: Exception) -> str:
    if isinstance(error, NoCredentialsError):
        return "set AWS credentials: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if isinstance(error, EndpointConnectionError):
        return "check AWS_ENDPOINT_URL_S3 (or the region) and that this machine reaches it"
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    if code == "NoSuchBucket":
        return "check INTACCT_DDS_BUCKET (and AWS_ENDPOINT_URL_S3 / AWS_DEFAULT_REGION)"
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
        return "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"
    if code == "RequestTimeTooSkewed":
        return "synchronize this machine's clock (NTP)"
    if code in ("AccessDenied", "403", "AllAccessDisabled"):
        return S3_ACCESS_FIX
    return f"check INTACCT_DDS_BUCKET and the AWS settings; {S3_ACCESS_FIX}"


def listed(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:,.0f} B" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GiB"
