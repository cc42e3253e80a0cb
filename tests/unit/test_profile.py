"""Unit tests for safemaker.profile (no network, no moto)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import botocore
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safemaker.errors import MISSING, ProfileError, ProfileFieldError
from safemaker.profile import VpcProfile, resolve_profile

# Every partition botocore's data names (read from the data file itself, not through safemaker).
_PARTITION_IDS = [p["id"] for p in json.loads(
    (Path(botocore.__file__).parent / "data" / "partitions.json").read_text())["partitions"]]
PARTITION_WORDS = ", ".join(_PARTITION_IDS[:-1]) + " or " + _PARTITION_IDS[-1]

REPO = Path(__file__).resolve().parents[2]

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
SUBNET_A = "subnet-0aaaaaaaaaaaaaaaa"
SUBNET_C = "subnet-0cccccccccccccccc"
SG = "sg-0bbbbbbbbbbbbbbbb"
VPC = "vpc-0dddddddddddddddd"

GOOD = {
    "region": "us-east-1",
    "vpc_id": VPC,
    "subnets": [SUBNET_A, SUBNET_C],
    "security_group_ids": [SG],
    "execution_role_arn": ROLE,
}

SUBNET_WORDS = "subnet ID: 'subnet-' followed by 8 or 17 lowercase hex digits"
SG_WORDS = "security group ID: 'sg-' followed by 8 or 17 lowercase hex digits"
VPC_WORDS = "VPC ID: 'vpc-' followed by 8 or 17 lowercase hex digits"
VPCE_WORDS = "VPC endpoint ID: 'vpce-' followed by 8 or 17 lowercase hex digits"
REGION_WORDS = "AWS region name such as 'us-east-1' (lowercase, ending in a digit)"
ROLE_WORDS = (
    "IAM role ARN: 'arn:<partition>:iam::<12-digit account>:role/<name>' "
    f"with partition {PARTITION_WORDS}"
)
KMS_WORDS = (
    "KMS key: a key ID (UUID or 'mrk-' + 32 hex digits), a key ARN, "
    "an alias name 'alias/<name>' or an alias ARN"
)
BUCKET_WORDS = (
    "S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-', "
    "starting and ending with a letter or digit"
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("SAFEMAKER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def build(**changes):
    data = dict(GOOD)
    for key, value in changes.items():
        if value is MISSING:
            data.pop(key, None)
        else:
            data[key] = value
    return VpcProfile.from_mapping(data, source="test", env=False)


def errors_of(exc_info) -> list[tuple[str, object, str]]:
    return [(e.field, e.found, e.expected) for e in exc_info.value.errors]


# --------------------------------------------------------------------------- fields: valid


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("region", "us-east-1", "us-east-1"),
        ("region", "ap-southeast-5", "ap-southeast-5"),
        ("vpc_id", "vpc-0123abcd", "vpc-0123abcd"),
        ("vpc_id", VPC, VPC),
        ("subnets", [SUBNET_A], (SUBNET_A,)),
        ("subnets", ("subnet-12345678", SUBNET_C), ("subnet-12345678", SUBNET_C)),
        (
            "subnets",
            [f"subnet-{i:08x}" for i in range(16)],
            tuple(f"subnet-{i:08x}" for i in range(16)),
        ),
        ("security_group_ids", [SG, "sg-01234567"], (SG, "sg-01234567")),
        (
            "security_group_ids",
            [f"sg-{i:08x}" for i in range(5)],
            tuple(f"sg-{i:08x}" for i in range(5)),
        ),
        (
            "execution_role_arn",
            "arn:aws:iam::123456789012:role/service-role/My+Role=,.@_-1",
            "arn:aws:iam::123456789012:role/service-role/My+Role=,.@_-1",
        ),
        (
            "additional_role_arns",
            ["arn:aws:iam::123456789012:role/Other"],
            ("arn:aws:iam::123456789012:role/Other",),
        ),
        ("additional_role_arns", [], ()),
        (
            "vpc_endpoint_ids",
            ["vpce-0eeeeeeeeeeeeeeee", "vpce-01234567"],
            ("vpce-0eeeeeeeeeeeeeeee", "vpce-01234567"),
        ),
        ("vpc_endpoint_ids", None, None),
        (
            "volume_kms_key_id",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "volume_kms_key_id",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
        ),
        ("volume_kms_key_id", "alias/sagemaker", "alias/sagemaker"),
        (
            "output_kms_key_id",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "output_kms_key_id",
            "arn:aws:kms:us-east-1:123456789012:alias/out",
            "arn:aws:kms:us-east-1:123456789012:alias/out",
        ),
        ("default_bucket", "sagemaker-closed-123456789012", "sagemaker-closed-123456789012"),
        ("default_bucket", "a.b-c", "a.b-c"),
        ("require_network_isolation", False, False),
        ("require_inter_container_traffic_encryption", False, False),
        ("notebook_root_access", "Enabled", "Enabled"),
    ],
)
def test_field_valid(field, value, stored):
    assert getattr(build(**{field: value}), field) == stored


def test_defaults_are_closed():
    p = build()
    assert p.additional_role_arns == ()
    assert p.vpc_endpoint_ids is None
    assert p.volume_kms_key_id is None and p.output_kms_key_id is None
    assert p.default_bucket is None
    assert p.require_network_isolation is True
    assert p.require_inter_container_traffic_encryption is True
    assert p.notebook_root_access == "Disabled"


def test_other_partitions():
    cn = build(region="cn-north-1", execution_role_arn="arn:aws-cn:iam::123456789012:role/R")
    gov = build(
        region="us-gov-west-1", execution_role_arn="arn:aws-us-gov:iam::123456789012:role/R"
    )
    assert (cn.partition, gov.partition) == ("aws-cn", "aws-us-gov")


# --------------------------------------------------------------------------- fields: invalid


@pytest.mark.parametrize(
    ("field", "value", "path", "found", "expected"),
    [
        ("region", "US-EAST-1", "region", "US-EAST-1", REGION_WORDS),
        ("region", "us-east-1a", "region", "us-east-1a", REGION_WORDS),
        ("region", 1, "region", 1, REGION_WORDS),
        ("vpc_id", "vpc-0DDDDDDDDDDDDDDDD", "vpc_id", "vpc-0DDDDDDDDDDDDDDDD", VPC_WORDS),
        ("vpc_id", "vpc-123", "vpc_id", "vpc-123", VPC_WORDS),
        ("vpc_id", "subnet-0aaaaaaaaaaaaaaaa", "vpc_id", "subnet-0aaaaaaaaaaaaaaaa", VPC_WORDS),
        ("subnets", [], "subnets", [], "a list of 1 to 16 unique subnet IDs"),
        ("subnets", SUBNET_A, "subnets", SUBNET_A, "a list of 1 to 16 unique subnet IDs"),
        (
            "subnets",
            [f"subnet-{i:08x}" for i in range(17)],
            "subnets",
            [f"subnet-{i:08x}" for i in range(17)],
            "a list of 1 to 16 unique subnet IDs",
        ),
        (
            "subnets",
            [SUBNET_A, "sg-0bbbbbbbbbbbbbbbb"],
            "subnets.1",
            "sg-0bbbbbbbbbbbbbbbb",
            SUBNET_WORDS,
        ),
        (
            "subnets",
            [SUBNET_A, "subnet-0aaaaaaaaaaaaaaa"],
            "subnets.1",
            "subnet-0aaaaaaaaaaaaaaa",
            SUBNET_WORDS,
        ),
        (
            "subnets",
            [SUBNET_C, SUBNET_A, SUBNET_C],
            "subnets.2",
            SUBNET_C,
            "a subnet ID not already listed (same as subnets.0)",
        ),
        (
            "security_group_ids",
            [],
            "security_group_ids",
            [],
            "a list of 1 to 5 unique security group IDs",
        ),
        (
            "security_group_ids",
            [f"sg-{i:08x}" for i in range(6)],
            "security_group_ids",
            [f"sg-{i:08x}" for i in range(6)],
            "a list of 1 to 5 unique security group IDs",
        ),
        ("security_group_ids", ["sg-xyz"], "security_group_ids.0", "sg-xyz", SG_WORDS),
        (
            "security_group_ids",
            [SG, SG],
            "security_group_ids.1",
            SG,
            "a security group ID not already listed (same as security_group_ids.0)",
        ),
        (
            "execution_role_arn",
            "SageMakerExecRole",
            "execution_role_arn",
            "SageMakerExecRole",
            ROLE_WORDS,
        ),
        (
            "execution_role_arn",
            "arn:aws:iam::123456789012:user/bob",
            "execution_role_arn",
            "arn:aws:iam::123456789012:user/bob",
            ROLE_WORDS,
        ),
        (
            "execution_role_arn",
            "arn:aws:iam::12345:role/R",
            "execution_role_arn",
            "arn:aws:iam::12345:role/R",
            ROLE_WORDS,
        ),
        (  # a well-formed ARN of the aws-iso partition (botocore's data), not us-east-1's partition
            "execution_role_arn",
            "arn:aws-iso:iam::123456789012:role/R",
            "execution_role_arn",
            "arn:aws-iso:iam::123456789012:role/R",
            "a role ARN in partition 'aws' (region us-east-1)",
        ),
        (
            "execution_role_arn",
            "arn:aws-isoz:iam::123456789012:role/R",
            "execution_role_arn",
            "arn:aws-isoz:iam::123456789012:role/R",
            ROLE_WORDS,
        ),
        (
            "execution_role_arn",
            "arn:aws-cn:iam::123456789012:role/R",
            "execution_role_arn",
            "arn:aws-cn:iam::123456789012:role/R",
            "a role ARN in partition 'aws' (region us-east-1)",
        ),
        ("additional_role_arns", [ROLE, "bad"], "additional_role_arns.1", "bad", ROLE_WORDS),
        (
            "additional_role_arns",
            [ROLE, ROLE],
            "additional_role_arns.1",
            ROLE,
            "a IAM role ARN not already listed (same as additional_role_arns.0)",
        ),
        ("vpc_endpoint_ids", [], "vpc_endpoint_ids", [], "a list of unique VPC endpoint IDs"),
        ("vpc_endpoint_ids", ["vpce-1"], "vpc_endpoint_ids.0", "vpce-1", VPCE_WORDS),
        ("volume_kms_key_id", "my-key", "volume_kms_key_id", "my-key", KMS_WORDS),
        ("volume_kms_key_id", "alias/", "volume_kms_key_id", "alias/", KMS_WORDS),
        (
            "output_kms_key_id",
            "arn:aws:kms:eu-west-1:123456789012:alias/out",
            "output_kms_key_id",
            "arn:aws:kms:eu-west-1:123456789012:alias/out",
            "a KMS ARN in the profile's region 'us-east-1' (partition 'aws'): "
            "SageMaker uses keys of its own region",
        ),
        (
            "default_bucket",
            "ab",
            "default_bucket",
            "ab",
            BUCKET_WORDS + "; needs 3 to 63 characters (found 2)",
        ),
        (
            "default_bucket",
            "My_Bucket",
            "default_bucket",
            "My_Bucket",
            BUCKET_WORDS + "; needs only lowercase letters, digits, '.' and '-'",
        ),
        (
            "default_bucket",
            "-abc",
            "default_bucket",
            "-abc",
            BUCKET_WORDS + "; needs a letter or digit at the start and at the end",
        ),
        (
            "default_bucket",
            "a..b",
            "default_bucket",
            "a..b",
            BUCKET_WORDS + "; needs no two adjacent periods",
        ),
        (
            "default_bucket",
            "192.168.5.4",
            "default_bucket",
            "192.168.5.4",
            BUCKET_WORDS + "; needs a name that is not formatted as an IP address",
        ),
        (
            "default_bucket",
            "xn--bucket",
            "default_bucket",
            "xn--bucket",
            BUCKET_WORDS + "; needs a name that does not start with the reserved prefix 'xn--'",
        ),
        (
            "default_bucket",
            "bucket-s3alias",
            "default_bucket",
            "bucket-s3alias",
            BUCKET_WORDS + "; needs a name that does not end with the reserved suffix '-s3alias'",
        ),
        (
            "require_network_isolation",
            "maybe",
            "require_network_isolation",
            "maybe",
            "true or false",
        ),
        (
            "require_inter_container_traffic_encryption",
            [],
            "require_inter_container_traffic_encryption",
            [],
            "true or false",
        ),
        (
            "notebook_root_access",
            "disabled",
            "notebook_root_access",
            "disabled",
            "'Disabled' or 'Enabled'",
        ),
    ],
)
def test_field_invalid(field, value, path, found, expected):
    with pytest.raises(ProfileError) as exc_info:
        build(**{field: value})
    assert errors_of(exc_info) == [(path, found, expected)]
    assert exc_info.value.source == "test"


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("region", REGION_WORDS),
        ("vpc_id", VPC_WORDS),
        ("subnets", "a list of 1 to 16 unique subnet IDs"),
        ("security_group_ids", "a list of 1 to 5 unique security group IDs"),
        ("execution_role_arn", ROLE_WORDS),
    ],
)
def test_required_field_missing(field, expected):
    with pytest.raises(ProfileError) as exc_info:
        build(**{field: MISSING})
    env = "SAFEMAKER_" + field.upper()
    assert errors_of(exc_info) == [
        (field, MISSING, f"{expected}; set {field!r} in the profile or {env} in the environment")
    ]
    assert f"  - {field}: found absent; expected {expected}" in str(exc_info.value)


def test_all_errors_at_once():
    with pytest.raises(ProfileError) as exc_info:
        build(
            region="Tokyo",
            subnets=[SUBNET_A, "subnet-1"],
            security_group_ids=["sg-0bbbbbbbbbbbbbbbb", "x"],
        )
    assert errors_of(exc_info) == [
        ("region", "Tokyo", REGION_WORDS),
        ("subnets.1", "subnet-1", SUBNET_WORDS),
        ("security_group_ids.1", "x", SG_WORDS),
    ]
    assert str(exc_info.value) == (
        "Profile test is invalid (3 problem(s)):\n"
        f"  - region: found 'Tokyo'; expected {REGION_WORDS}\n"
        f"  - subnets.1: found 'subnet-1'; expected {SUBNET_WORDS}\n"
        f"  - security_group_ids.1: found 'x'; expected {SG_WORDS}"
    )


def test_cross_field_errors_listed_together():
    with pytest.raises(ProfileError) as exc_info:
        build(
            region="cn-north-1",
            additional_role_arns=["arn:aws-cn:iam::123456789012:role/Ok", ROLE],
            volume_kms_key_id="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        )
    assert [e.field for e in exc_info.value.errors] == [
        "execution_role_arn",
        "additional_role_arns.1",
        "volume_kms_key_id",
    ]
    assert (
        exc_info.value.errors[0].expected == "a role ARN in partition 'aws-cn' (region cn-north-1)"
    )


# --------------------------------------------------------------------------- unknown fields


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("subnet", "did you mean 'subnets'?"),
        ("security_groups", "did you mean 'security_group_ids'?"),
        ("SecurityGroupIds", "did you mean 'security_group_ids'?"),
        ("execution-role-arn", "did you mean 'execution_role_arn'?"),
        ("regoin", "did you mean 'region'?"),
        (
            "aws_secret_access_key",
            "valid fields: region, vpc_id, subnets, security_group_ids, "
            "execution_role_arn, additional_role_arns, vpc_endpoint_ids, volume_kms_key_id, "
            "output_kms_key_id, default_bucket, require_network_isolation, "
            "require_inter_container_traffic_encryption, notebook_root_access, "
            "allow_pipeline_network_parameters, preflight_warnings, allow_unclassified_operations, "
            "allow_unverified_templates, allow_pipeline_callbacks",
        ),
    ],
)
def test_unknown_field_named_with_suggestion_and_value_hidden(name, suggestion):
    with pytest.raises(ProfileError) as exc_info:
        build(**{name: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
    (error,) = exc_info.value.errors
    assert error.field == name
    assert error.expected == f"no field of this name in a VPC profile; {suggestion}"
    assert repr(error.found) == "<value not shown>"
    assert "wJalrXUtnFEMI" not in str(exc_info.value)


# --------------------------------------------------------------------------- properties


def test_properties():
    p = build(additional_role_arns=["arn:aws:iam::123456789012:role/Other", ROLE])
    assert p.subnet_set == frozenset({SUBNET_A, SUBNET_C})
    assert p.subnet_set is p.subnet_set
    assert p.security_group_set == frozenset({SG})
    assert p.allowed_role_arns == (ROLE, "arn:aws:iam::123456789012:role/Other")
    assert p.account_id == "123456789012"
    assert p.partition == "aws"
    assert p.vpc_config == {"Subnets": [SUBNET_A, SUBNET_C], "SecurityGroupIds": [SG]}


def test_frozen_and_hashable():
    p = build()
    with pytest.raises(Exception) as exc_info:
        p.region = "us-west-2"  # type: ignore[misc]
    assert "frozen" in str(exc_info.value)
    assert {p: 1}[build()] == 1


def test_direct_construction_errors_are_profile_errors():
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile(**dict(GOOD, subnets=["nope"]))
    assert exc_info.value.source == "arguments"
    assert errors_of(exc_info) == [("subnets.0", "nope", SUBNET_WORDS)]


def test_direct_construction_arguments_beat_env(monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REGION", "eu-west-1")
    monkeypatch.setenv("SAFEMAKER_DEFAULT_BUCKET", "from-env-bucket")
    p = VpcProfile(**GOOD)
    assert (p.region, p.default_bucket) == ("us-east-1", "from-env-bucket")


# --------------------------------------------------------------------------- files


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


TOML_TOP = f"""
region = "us-east-1"
vpc_id = "{VPC}"
subnets = ["{SUBNET_A}", "{SUBNET_C}"]
security_group_ids = ["{SG}"]
execution_role_arn = "{ROLE}"
"""

TOML_TABLE = "[safemaker]\n" + TOML_TOP

YAML_TOP = yaml.safe_dump(GOOD)
YAML_NESTED = yaml.safe_dump({"safemaker": GOOD})
JSON_TOP = json.dumps(GOOD)
JSON_NESTED = json.dumps({"safemaker": GOOD})


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("p.toml", TOML_TOP),
        ("p.toml", TOML_TABLE),
        ("p.yaml", YAML_TOP),
        ("p.yml", YAML_NESTED),
        ("p.json", JSON_TOP),
        ("P.JSON", JSON_NESTED),
    ],
)
def test_file_formats(tmp_path, name, text):
    p = VpcProfile.from_file(write(tmp_path, name, text))
    assert p == build()


def test_examples_load():
    toml_profile = VpcProfile.load(REPO / "examples" / "profile.toml")
    yaml_profile = VpcProfile.load(str(REPO / "examples" / "profile.yaml"))
    assert toml_profile == build()
    assert yaml_profile == build(
        vpc_endpoint_ids=["vpce-0eeeeeeeeeeeeeeee"],
        output_kms_key_id="alias/sagemaker-output",
        default_bucket="sagemaker-closed-123456789012",
    )


def test_file_errors_name_the_file(tmp_path):
    path = write(tmp_path, "p.toml", TOML_TOP.replace(SUBNET_C, "subnet-zz"))
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_file(path)
    assert exc_info.value.source == str(path)
    assert errors_of(exc_info) == [("subnets.1", "subnet-zz", SUBNET_WORDS)]


def test_unknown_field_in_file(tmp_path):
    path = write(tmp_path, "p.yaml", yaml.safe_dump(dict(GOOD, security_group=[SG])))
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_file(path)
    assert [(e.field, e.expected) for e in exc_info.value.errors] == [
        (
            "security_group",
            "no field of this name in a VPC profile; did you mean 'security_group_ids'?",
        )
    ]


def test_fields_outside_safemaker_table(tmp_path):
    path = write(
        tmp_path,
        "p.toml",
        'region = "us-east-1"\n' + TOML_TABLE.replace('region = "us-east-1"\n', ""),
    )
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_file(path)
    assert [(e.field, e.expected) for e in exc_info.value.errors] == [
        (
            "region",
            "nothing outside a [safemaker] table: the file has one, "
            "so every profile field goes inside it",
        )
    ]


@pytest.mark.parametrize(
    ("name", "text", "where", "found"),
    [
        (
            "p.toml",
            'region = "us-east-1"\nvpc_id = \nsubnets = []\n',
            "line 2, column 10",
            "invalid TOML (Invalid value)",
        ),
        (
            "p.yaml",
            "region: us-east-1\nsubnets: [a, b\nvpc_id: x\n",
            "line 3, column 7",
            "invalid YAML (while parsing a flow sequence expected ',' or ']', but got ':')",
        ),
        (
            "p.json",
            '{\n  "region": "us-east-1",\n  "vpc_id": \n}\n',
            "line 4, column 1",
            "invalid JSON (Expecting value)",
        ),
    ],
)
def test_malformed_file_has_line_number(tmp_path, name, text, where, found):
    path = write(tmp_path, name, text)
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_file(path)
    (error,) = exc_info.value.errors
    assert (error.field, str(error.found)) == (where, found)
    assert (
        error.expected
        == {
            "toml": "a valid TOML document",
            "yaml": "a valid YAML document",
            "json": "a valid JSON document",
        }[name.split(".")[1]]
    )
    assert f"  - {where}: found {found}; expected" in str(exc_info.value)


def test_yaml_error_does_not_quote_file_content(tmp_path):
    path = write(tmp_path, "p.yaml", "region: us-east-1\nsecret_thing: [hunter2\n")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_file(path)
    assert "hunter2" not in str(exc_info.value)


@pytest.mark.parametrize(
    ("name", "text", "where", "found", "expected"),
    [
        (
            "p.yaml",
            "",
            "(document)",
            "an empty document",
            "a mapping of profile fields (at top level or under a 'safemaker:' key)",
        ),
        (
            "p.json",
            "[1, 2]",
            "(document)",
            "a list",
            "a mapping of profile fields (at top level or under a 'safemaker' key)",
        ),
        (
            "p.yaml",
            "safemaker: [1]\n",
            "safemaker",
            "a list",
            "a 'safemaker:' key of profile fields",
        ),
    ],
)
def test_document_not_a_mapping(tmp_path, name, text, where, found, expected):
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.from_file(write(tmp_path, name, text))
    assert [(e.field, str(e.found), e.expected) for e in exc_info.value.errors] == [
        (where, found, expected)
    ]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(path)
    assert exc_info.value.source == str(path)
    assert [(e.field, str(e.found), e.expected) for e in exc_info.value.errors] == [
        (
            "(source)",
            "no such file",
            "an existing profile file; check the path (or SAFEMAKER_PROFILE), or start from "
            "examples/profile.toml",
        )
    ]


def test_unsupported_suffix(tmp_path):
    path = write(tmp_path, "p.ini", "x")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(path)
    assert [(e.field, str(e.found), e.expected) for e in exc_info.value.errors] == [
        (
            "(source)",
            "suffix '.ini'",
            "a .toml, .yaml, .yml or .json file, or 'ssm:<parameter name>'",
        )
    ]


def test_not_utf8(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b'region = "\xff"\n')
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(path)
    assert [(e.field, str(e.found)) for e in exc_info.value.errors] == [
        ("(source)", "bytes that are not UTF-8 at offset 10")
    ]


# --------------------------------------------------------------------------- environment


@pytest.mark.filterwarnings("ignore::safemaker.profile.ProfileRelaxationWarning")  # on purpose
def test_env_overrides_beat_file_values(tmp_path, monkeypatch):
    path = write(tmp_path, "p.toml", TOML_TOP)
    monkeypatch.setenv("SAFEMAKER_REGION", "us-west-2")
    monkeypatch.setenv("SAFEMAKER_SUBNETS", '["subnet-01111111111111111"]')
    monkeypatch.setenv("SAFEMAKER_REQUIRE_NETWORK_ISOLATION", "false")
    p = VpcProfile.load(path)
    assert p.region == "us-west-2"
    assert p.subnets == ("subnet-01111111111111111",)
    assert p.require_network_isolation is False
    assert p.vpc_id == VPC  # from the file


def test_env_override_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REGION", "us-west-2")
    assert (
        VpcProfile.from_file(write(tmp_path, "p.toml", TOML_TOP), env=False).region == "us-east-1"
    )


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (f"{SUBNET_A},{SUBNET_C}", (SUBNET_A, SUBNET_C)),
        (f" {SUBNET_A} , {SUBNET_C} ,", (SUBNET_A, SUBNET_C)),
        (SUBNET_A, (SUBNET_A,)),
        (json.dumps([SUBNET_C, SUBNET_A]), (SUBNET_C, SUBNET_A)),
    ],
)
def test_env_list_comma_separated_or_json(monkeypatch, value, stored):
    monkeypatch.setenv("SAFEMAKER_SUBNETS", value)
    monkeypatch.setenv("SAFEMAKER_VPC_ENDPOINT_IDS", "vpce-0eeeeeeeeeeeeeeee,vpce-01234567")
    p = VpcProfile.from_mapping(GOOD)
    assert p.subnets == stored
    assert p.vpc_endpoint_ids == ("vpce-0eeeeeeeeeeeeeeee", "vpce-01234567")


@pytest.mark.filterwarnings("ignore::safemaker.profile.ProfileRelaxationWarning")  # on purpose
def test_profile_from_environment_alone(monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REGION", "us-east-1")
    monkeypatch.setenv("SAFEMAKER_VPC_ID", VPC)
    monkeypatch.setenv("SAFEMAKER_SUBNETS", f"{SUBNET_A},{SUBNET_C}")
    monkeypatch.setenv("SAFEMAKER_SECURITY_GROUP_IDS", SG)
    monkeypatch.setenv("SAFEMAKER_EXECUTION_ROLE_ARN", ROLE)
    monkeypatch.setenv("SAFEMAKER_NOTEBOOK_ROOT_ACCESS", "Enabled")
    p = VpcProfile.load()
    assert p == build(notebook_root_access="Enabled")
    assert resolve_profile(None) == p


def test_environment_alone_missing_fields_named(monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REGION", "us-east-1")
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load()
    assert exc_info.value.source == "environment"
    assert [e.field for e in exc_info.value.errors] == [
        "vpc_id",
        "subnets",
        "security_group_ids",
        "execution_role_arn",
    ]


def test_bad_env_values_name_the_variable(tmp_path, monkeypatch):
    path = write(tmp_path, "p.toml", TOML_TOP)
    monkeypatch.setenv("SAFEMAKER_SUBNETS", f"{SUBNET_A},subnet-bad")
    monkeypatch.setenv("SAFEMAKER_SECURITY_GROUP_IDS", '["sg-0bbbbbbbbbbbbbbbb"')
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load(path)
    hint = " (from environment variable {}: a JSON list or comma-separated IDs)"
    assert errors_of(exc_info) == [
        ("subnets.1", "subnet-bad", SUBNET_WORDS + hint.format("SAFEMAKER_SUBNETS")),
        (
            "security_group_ids",
            '["sg-0bbbbbbbbbbbbbbbb"',
            "a list of 1 to 5 unique security group IDs"
            + hint.format("SAFEMAKER_SECURITY_GROUP_IDS"),
        ),
    ]
    assert exc_info.value.source == (
        f"{path} (with environment overrides: SAFEMAKER_SECURITY_GROUP_IDS, SAFEMAKER_SUBNETS)"
    )


def test_empty_env_variable_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEMAKER_REGION", "")
    assert VpcProfile.load(write(tmp_path, "p.json", JSON_TOP)).region == "us-east-1"


def test_safemaker_profile_env_names_the_source(tmp_path, monkeypatch):
    path = write(tmp_path, "p.yaml", YAML_TOP)
    monkeypatch.setenv("SAFEMAKER_PROFILE", str(path))
    assert VpcProfile.load() == build()
    assert resolve_profile(None) == build()


def test_other_safemaker_variables_are_not_fields(monkeypatch):
    monkeypatch.setenv("SAFEMAKER_DEV_E2E", "1")
    monkeypatch.setenv("SAFEMAKER_DEBUG", "1")
    assert VpcProfile.from_mapping(GOOD) == build()


# --------------------------------------------------------------------------- resolve / ssm routing


def test_resolve_profile(tmp_path):
    p = build()
    assert resolve_profile(p) is p
    path = write(tmp_path, "p.json", JSON_TOP)
    assert resolve_profile(path) == p
    assert resolve_profile(str(path)) == p
    with pytest.raises(TypeError) as exc_info:
        resolve_profile(42)  # type: ignore[arg-type]
    assert (
        str(exc_info.value) == "profile must be a VpcProfile, a path, 'ssm:<name>' or None, not int"
    )


class FakeSsm:
    """Stands in for an SSM client (the functional tests use a real one)."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.calls: list[dict] = []

    def get_parameter(self, **kwargs):
        self.calls.append(kwargs)
        return {"Parameter": {"Name": kwargs["Name"], "Type": "String", "Value": self.value}}


def test_load_ssm_source_uses_client_passed_in():
    ssm = FakeSsm(json.dumps({"safemaker": GOOD}))
    p = resolve_profile("ssm:/safemaker/profile", ssm_client=ssm)
    assert p == build()
    assert ssm.calls == [{"Name": "/safemaker/profile", "WithDecryption": True}]


def test_ssm_value_not_json_has_line_number():
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load("ssm:/p", ssm_client=FakeSsm('{"region": "us-east-1",\n oops}'))
    assert exc_info.value.source == "ssm:/p"
    assert [(e.field, str(e.found)) for e in exc_info.value.errors] == [
        ("line 2, column 2", "invalid JSON (Expecting property name enclosed in double quotes)")
    ]


def test_empty_ssm_name():
    with pytest.raises(ProfileError) as exc_info:
        VpcProfile.load("ssm:", ssm_client=FakeSsm("{}"))
    assert [(e.field, str(e.found)) for e in exc_info.value.errors] == [
        ("(source)", "an empty parameter name")
    ]


# --------------------------------------------------------------------------- writing


@pytest.mark.parametrize("name", ["out.toml", "out.yaml", "out.yml", "out.json"])
def test_dump_round_trip(tmp_path, name):
    p = build(
        vpc_endpoint_ids=["vpce-0eeeeeeeeeeeeeeee"],
        default_bucket="bucket-123",
        require_network_isolation=False,
    )
    written = p.dump(tmp_path / name)
    assert written == tmp_path / name
    assert VpcProfile.from_file(written, env=False) == p
    assert sorted(os.listdir(tmp_path)) == [name]  # no temporary file left behind


def test_dump_toml_text(tmp_path):
    text = build().dump(tmp_path / "p.toml").read_text()
    assert text.startswith("# safemaker VPC profile")
    assert f'subnets = [\n    "{SUBNET_A}",\n    "{SUBNET_C}",\n]' in text
    assert "default_bucket" not in text  # None omitted


def test_to_dict():
    assert build().to_dict() == dict(
        GOOD,
        additional_role_arns=[],
        require_network_isolation=True,
        require_inter_container_traffic_encryption=True,
        notebook_root_access="Disabled",
        allow_pipeline_network_parameters=False,
        preflight_warnings=[],
        allow_unclassified_operations=False,
        allow_unverified_templates=False,
        allow_pipeline_callbacks=False,
    )
    assert json.loads(json.dumps(build().to_dict())) == build().to_dict()


def test_dump_errors(tmp_path):
    with pytest.raises(ProfileError) as exc_info:
        build().dump(tmp_path / "p.ini")
    assert [(e.field, str(e.found)) for e in exc_info.value.errors] == [
        ("(destination)", "suffix '.ini'")
    ]
    with pytest.raises(ProfileError) as exc_info:
        build().dump(tmp_path / "missing-dir" / "p.toml")
    assert [(e.field, str(e.found)) for e in exc_info.value.errors] == [
        ("(destination)", "an unwritable path (No such file or directory)")
    ]


def test_profile_field_error_type():
    with pytest.raises(ProfileError) as exc_info:
        build(region="x")
    assert isinstance(exc_info.value.errors[0], ProfileFieldError)


# --------------------------------------------------------------------------- docs


def test_docs_profile_field_table_lists_every_field_of_the_model():
    """docs/profile.md's field table names each VpcProfile field once, in the model's order
    (the new-user trial found ``preflight_warnings``, written by ``infra up``, missing)."""
    text = (REPO / "docs" / "profile.md").read_text(encoding="utf-8")
    table = text.split("| field | type | default | rule |", 1)[1].split("\n\n", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.M)
    assert documented == list(VpcProfile.model_fields)


def test_docs_profile_blocks_are_valid_profiles(tmp_path):
    text = (REPO / "docs" / "profile.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(toml|yaml)\n(.*?)```", text, flags=re.S)
    assert [kind for kind, _ in blocks] == ["toml", "toml", "yaml"]
    for index, (kind, body) in enumerate(blocks):
        path = write(tmp_path, f"doc{index}.{kind}", body)
        assert VpcProfile.from_file(path, env=False).subnets == (SUBNET_A, SUBNET_C)
    # The blocks that say they are the example files hold the same profiles.
    docs_toml = VpcProfile.from_file(tmp_path / "doc0.toml", env=False)
    docs_yaml = VpcProfile.from_file(tmp_path / "doc2.yaml", env=False)
    assert docs_toml == VpcProfile.from_file(REPO / "examples" / "profile.toml", env=False)
    assert docs_yaml == VpcProfile.from_file(REPO / "examples" / "profile.yaml", env=False)


# --------------------------------------------------------------------------- round trip (property)


def _ids(prefix: str, min_size: int, max_size: int):
    hex_id = st.sampled_from([8, 17]).flatmap(
        lambda n: st.text("0123456789abcdef", min_size=n, max_size=n)
    )
    return st.lists(
        hex_id.map(lambda h: f"{prefix}-{h}"), min_size=min_size, max_size=max_size, unique=True
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subnets=_ids("subnet", 1, 16),
    groups=_ids("sg", 1, 5),
    endpoints=st.none() | _ids("vpce", 1, 4),
    isolation=st.booleans(),
    root=st.sampled_from(["Disabled", "Enabled"]),
    suffix=st.sampled_from(["toml", "yaml", "json"]),
)
def test_dump_load_round_trip_property(
    tmp_path, subnets, groups, endpoints, isolation, root, suffix
):
    p = build(
        subnets=subnets,
        security_group_ids=groups,
        vpc_endpoint_ids=endpoints,
        require_network_isolation=isolation,
        notebook_root_access=root,
    )
    assert VpcProfile.from_mapping(p.to_dict(), env=False) == p
    assert VpcProfile.from_file(p.dump(tmp_path / f"rt.{suffix}"), env=False) == p
