"""The profile's fields: the ID, ARN, region and bucket patterns, and what each field must hold, in words.

The patterns are the field types of :class:`~safemaker.profile.VpcProfile`;
the words are what an error says is expected (:func:`field_errors` turns
pydantic's errors into :class:`~safemaker.errors.ProfileFieldError` items
with them). Partitions come from botocore's data (:mod:`safemaker.partitions`).

References
----------
Amazon S3 User Guide, "General purpose bucket naming rules":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Annotated, Iterable, Mapping, Sequence

from pydantic import StringConstraints, ValidationError

from safemaker.errors import MISSING, ProfileFieldError
from safemaker.partitions import partition_ids, partition_pattern
from safemaker.preflight._specs import CHECK_IDS as _PREFLIGHT_IDS

from .env import ENV_PREFIX
from .reporting import HIDDEN, PROBLEMS

_HEX_ID = r"(?:[0-9a-f]{8}|[0-9a-f]{17})"
PARTITION_RE = partition_pattern()  # every partition of botocore's data (safemaker.partitions)
PARTITION_WORDS = ", ".join(partition_ids()[:-1]) + " or " + partition_ids()[-1]
REGION_RE = r"[a-z]{2,4}(?:-[a-z]+){1,2}-[0-9]{1,2}"
_ROLE_CHARS = r"[A-Za-z0-9+=,.@_-]"
_KMS_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_KMS_ALIAS = r"alias/[A-Za-z0-9/_-]{1,250}"

REGION_PATTERN = rf"^{REGION_RE}$"
ROLE_ARN_PATTERN = (
    rf"^arn:{PARTITION_RE}:iam::[0-9]{{12}}:role/(?:{_ROLE_CHARS}+/)*{_ROLE_CHARS}{{1,64}}$"
)
KMS_KEY_PATTERN = (
    rf"^(?:{_KMS_KEY_ID}|{_KMS_ALIAS}"
    rf"|arn:{PARTITION_RE}:kms:{REGION_RE}:[0-9]{{12}}:(?:key/{_KMS_KEY_ID}|{_KMS_ALIAS}))$"
)


def id_pattern(prefix: str) -> str:
    return rf"^{prefix}-{_HEX_ID}$"


def _id_words(noun: str, prefix: str) -> str:
    return f"{noun}: '{prefix}-' followed by 8 or 17 lowercase hex digits"


_REGION_WORDS = "AWS region name such as 'us-east-1' (lowercase, ending in a digit)"
_ROLE_WORDS = (
    "IAM role ARN: 'arn:<partition>:iam::<12-digit account>:role/<name>' "
    f"with partition {PARTITION_WORDS}"
)
_KMS_WORDS = (
    "KMS key: a key ID (UUID or 'mrk-' + 32 hex digits), a key ARN, "
    "an alias name 'alias/<name>' or an alias ARN"
)
BUCKET_WORDS = (
    "S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-', "
    "starting and ending with a letter or digit"
)
_BOOL_WORDS = "true or false"

RegionName = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
VpcId = Annotated[str, StringConstraints(pattern=id_pattern("vpc"))]
SubnetId = Annotated[str, StringConstraints(pattern=id_pattern("subnet"))]
SecurityGroupId = Annotated[str, StringConstraints(pattern=id_pattern("sg"))]
VpcEndpointId = Annotated[str, StringConstraints(pattern=id_pattern("vpce"))]
RoleArn = Annotated[str, StringConstraints(pattern=ROLE_ARN_PATTERN)]
KmsKeyId = Annotated[str, StringConstraints(pattern=KMS_KEY_PATTERN)]


@dataclass(frozen=True)
class FieldWords:
    """What a field (and, for list fields, each element) must hold, in words."""

    whole: str
    element: str | None = None
    env_list: bool = False


WORDS: dict[str, FieldWords] = {
    "region": FieldWords(_REGION_WORDS),
    "vpc_id": FieldWords(_id_words("VPC ID", "vpc")),
    "subnets": FieldWords(
        "a list of 1 to 16 unique subnet IDs", _id_words("subnet ID", "subnet"), True
    ),
    "security_group_ids": FieldWords(
        "a list of 1 to 5 unique security group IDs", _id_words("security group ID", "sg"), True
    ),
    "execution_role_arn": FieldWords(_ROLE_WORDS),
    "additional_role_arns": FieldWords(
        "a list of unique IAM role ARNs (may be empty)", _ROLE_WORDS, True
    ),
    "vpc_endpoint_ids": FieldWords(
        "a list of unique VPC endpoint IDs", _id_words("VPC endpoint ID", "vpce"), True
    ),
    "volume_kms_key_id": FieldWords(_KMS_WORDS),
    "output_kms_key_id": FieldWords(_KMS_WORDS),
    "default_bucket": FieldWords(BUCKET_WORDS),
    "require_network_isolation": FieldWords(_BOOL_WORDS),
    "require_inter_container_traffic_encryption": FieldWords(_BOOL_WORDS),
    "notebook_root_access": FieldWords("'Disabled' or 'Enabled'"),
    "allow_pipeline_network_parameters": FieldWords(_BOOL_WORDS),
    "preflight_warnings": FieldWords(
        "a list of preflight check IDs (" + ", ".join(_PREFLIGHT_IDS) + ")",
        "a preflight check ID (" + ", ".join(_PREFLIGHT_IDS) + ")", True
    ),
    "allow_unclassified_operations": FieldWords(_BOOL_WORDS),
    "allow_unverified_templates": FieldWords(_BOOL_WORDS),
    "allow_pipeline_callbacks": FieldWords(_BOOL_WORDS),
}


_S3_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_S3_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_problem(name: str) -> str | None:
    """Why ``name`` breaks the S3 general purpose bucket naming rules, or None."""
    if not 3 <= len(name) <= 63:
        return f"3 to 63 characters (found {len(name)})"
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        return "only lowercase letters, digits, '.' and '-'"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "a letter or digit at the start and at the end"
    if ".." in name:
        return "no two adjacent periods"
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", name):
        return "a name that is not formatted as an IP address"
    for prefix in _S3_BAD_PREFIXES:
        if name.startswith(prefix):
            return f"a name that does not start with the reserved prefix {prefix!r}"
    for suffix in _S3_BAD_SUFFIXES:
        if name.endswith(suffix):
            return f"a name that does not end with the reserved suffix {suffix!r}"
    return None


def _suggest(name: str, valid: Iterable[str]) -> str | None:
    """The closest valid field name to ``name`` (camelCase and dashes tolerated)."""
    valid = list(valid)
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", str(name)).replace("-", "_").lower()
    for candidate in (snake, snake.rstrip("s"), snake + "s"):
        if candidate in valid:
            return candidate
    close = difflib.get_close_matches(snake, valid, n=1, cutoff=0.6)
    return close[0] if close else None


def field_errors(
    exc: ValidationError, env_fields: Mapping[str, str], fields: Sequence[str]
) -> list[ProfileFieldError]:
    """Convert a pydantic ValidationError into ProfileFieldErrors (every one).

    ``env_fields`` maps a field to the ``SAFEMAKER_<FIELD>`` variable that set it (named in the
    error); ``fields`` are the model's field names (the closest one is suggested for an unknown key).
    """
    valid = list(fields)
    out: list[ProfileFieldError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        found = err.get("input", MISSING)
        name = str(loc[0]) if loc else ""
        path = ".".join(str(part) for part in loc)
        words = WORDS.get(name)
        env_hint = ""
        if name in env_fields:
            env_hint = f" (from environment variable {env_fields[name]}"
            if words is not None and words.env_list:
                env_hint += ": a JSON list or comma-separated IDs"
            env_hint += ")"

        if kind in ("too_short", "too_long") and isinstance(found, (list, tuple)):
            # pydantic counts only the items that validated; when items were bad, the
            # list's own length may be fine and the item errors say it all.
            bounds = err.get("ctx", {})
            if bounds.get("min_length", 0) <= len(found) <= bounds.get("max_length", len(found)):
                continue
        if kind == "extra_forbidden":
            guess = _suggest(name, valid)
            hint = f"did you mean {guess!r}?" if guess else "valid fields: " + ", ".join(valid)
            out.append(
                ProfileFieldError(path, HIDDEN, f"no field of this name in a VPC profile; {hint}")
            )
            continue
        if kind == PROBLEMS:
            for where, value, expected in err["ctx"]["problems"]:
                if where.startswith("."):
                    where = path + where
                out.append(ProfileFieldError(where, value, expected + env_hint))
            continue
        if words is None:  # not expected: a model-level error without a field
            out.append(ProfileFieldError(path or "(profile)", found, str(err.get("msg"))))
            continue
        if kind == "missing":
            out.append(
                ProfileFieldError(
                    path,
                    MISSING,
                    f"{words.whole}; set {name!r} in the profile or "
                    f"{ENV_PREFIX}{name.upper()} in the environment",
                )
            )
            continue
        if len(loc) >= 2 and words.element is not None:
            expected = words.element
        else:
            expected = words.whole
        out.append(ProfileFieldError(path, found, expected + env_hint))
    return out
