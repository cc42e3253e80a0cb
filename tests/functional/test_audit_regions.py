"""``audit --region``: only regions botocore's endpoint data knows for SageMaker (field trial: ``eu-west-9``,
well-formed but nonexistent, was accepted and reported 23 misleading UNKNOWNs)."""

from __future__ import annotations

import json

import botocore
import botocore.session
import pytest
from typer.testing import CliRunner

from safemaker import audit
from safemaker.cli import app
from safemaker.profile import VpcProfile

PROFILE = dict(region="us-east-1", vpc_id="vpc-0dddddddddddddddd",
               subnets=["subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"],
               security_group_ids=["sg-0bbbbbbbbbbbbbbbb"],
               execution_role_arn="arn:aws:iam::123456789012:role/SageMakerExecRole")
runner = CliRunner()


def _expected(region: str) -> str:
    n = len(audit.sagemaker_regions())
    return (f"{region!r}; expected a region where SageMaker exists ({n} known to botocore {botocore.__version__}, "
            "e.g. us-east-1, eu-west-1, ap-northeast-1); check the spelling, or upgrade botocore (pip install -U "
            "boto3 botocore) if the region is new")


@pytest.fixture
def profile_file(tmp_path):
    p = tmp_path / "profile.json"
    p.write_text(json.dumps(PROFILE))
    return str(p)


def test_sagemaker_regions_are_botocores_over_every_partition():
    session = botocore.session.Session()
    expected = {r for p in session.get_available_partitions()
                for r in session.get_available_regions("sagemaker", partition_name=p)}
    assert audit.sagemaker_regions() == frozenset(expected)
    assert {"us-east-1", "eu-west-1", "ap-northeast-1", "cn-north-1", "us-gov-west-1"} <= audit.sagemaker_regions()
    assert "eu-west-9" not in audit.sagemaker_regions()


class _RegionRecorder:
    """A boto3 session whose clients note the region of every request they send."""

    def __init__(self, session, sent):
        self.session, self.sent = session, sent

    def client(self, *args, **kwargs):
        made = self.session.client(*args, **kwargs)
        region = made.meta.region_name
        made.meta.events.register("before-send", lambda **_: self.sent.append(region))
        return made


def test_every_known_region_is_accepted_and_listed(safemaker_local, safemaker_session):
    regions = sorted(audit.sagemaker_regions())
    sent: list[str] = []
    findings = list(audit.run(VpcProfile(**PROFILE), boto3_session=_RegionRecorder(safemaker_session, sent),
                              regions=regions, resource_types=["model"]))
    assert sorted(sent) == regions  # one ListModels per region: every region accepted and audited
    assert safemaker_local.request_count("sagemaker", "ListModels") == len(regions)
    assert findings == []  # moto answers every region: nothing listed, nothing UNKNOWN


@pytest.mark.parametrize("regions, field", [(["eu-west-9"], "regions[0]"), (["us-east-1", "eu-west-9"], "regions[1]")])
def test_run_refuses_a_region_botocore_does_not_know(regions, field):
    with pytest.raises(audit.AuditInputError) as raised:
        audit.run(VpcProfile(**PROFILE), regions=regions)
    assert raised.value.field == field
    assert raised.value.found == "eu-west-9"
    assert str(raised.value) == f"{field} is {_expected('eu-west-9')}"


@pytest.mark.parametrize("args", [["--region", "eu-west-9"], ["-r", "us-east-1", "-r", "eu-west-9"]])
def test_cli_exits_2_naming_region_before_any_request(safemaker_local, profile_file, monkeypatch, args):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", safemaker_local.endpoint_url)
    result = runner.invoke(app, ["audit", "--vpc-profile", profile_file, "--format", "json", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert safemaker_local.requests == ()
    assert " ".join(result.stderr.split()) == "error: --region is " + _expected("eu-west-9")
