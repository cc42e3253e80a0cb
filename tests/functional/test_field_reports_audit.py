"""Field reports F16 and F17 (shared/cases/field-reports.md) for the audit, every resource kind at once.

F16: moto accepts ``DirectInternetAccess: Disabled`` without a ``SubnetId`` (AWS refuses it: CreateNotebookInstance,
DirectInternetAccess: "You can set the value of this parameter to Disabled only if you set a value for the
SubnetId parameter"); the audit reports such a notebook itself. F17: a Describe call that fails is UNKNOWN, never compliant,
for every kind the audit reads (``safemaker.resources.RESOURCES``), not only the kinds a test happened to try.

The List answers of the F17 test are made in the client (``before-call``: nothing is sent) with one summary
carrying the members the audit reads; the Describe call fails with botocore's own error parsing of an HTTP 400
``AccessDeniedException``. The notebook test runs on the local backend (moto over HTTP).
"""

from __future__ import annotations

import botocore.awsrequest
import botocore.exceptions
import botocore.session
import pytest

from safemaker import audit
from safemaker.audit import coverage as audit_coverage
from safemaker.errors import MISSING
from safemaker.resources import RESOURCES

from _profiles import ROLE, SG, SUB_A

ARN = "arn:aws:sagemaker:us-east-1:123456789012"
MODEL = botocore.session.get_session().get_service_model("sagemaker")
AUDITED = sorted(audit_coverage.audited_types())


# --------------------------------------------------------------------------- F16


def test_F16_notebook_described_disabled_without_subnet_is_a_finding(safemaker_local, safemaker_session, profile):
    """Raw moto stores ``Disabled`` without a SubnetId and describes it so; the local backend refuses that
    create as AWS does, so the description raw moto gives is made here (``after-call``)."""
    sm = safemaker_session.client("sagemaker")  # no guard: the resource was made elsewhere
    sm.create_notebook_instance(NotebookInstanceName="nosubnet", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                DirectInternetAccess="Disabled", SubnetId=SUB_A, SecurityGroupIds=[SG],
                                RootAccess="Disabled")

    def as_raw_moto(parsed, **kwargs):
        parsed.pop("SubnetId", None)

    sm.meta.events.register("after-call.sagemaker.DescribeNotebookInstance", as_raw_moto)
    findings = list(audit.run(profile, clients={"us-east-1": sm}, resource_types=["notebook-instance"]))
    assert [(f.status, f.rule_id, f.path, f.found) for f in findings] == [
        ("FAIL", "SM-NET-SUBNET", "SubnetId", MISSING)]
    assert findings[0].resource_arn == f"{ARN}:notebook-instance/nosubnet"


def test_F16_local_backend_refuses_disabled_without_subnet_as_AWS_does(safemaker_local, safemaker_session):
    sm = safemaker_session.client("sagemaker")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sm.create_notebook_instance(NotebookInstanceName="nosubnet", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    DirectInternetAccess="Disabled")
    assert exc.value.response["Error"]["Code"] == "ValidationException"


# --------------------------------------------------------------------------- F17


def _summary(spec):
    """One List summary with the members the audit reads from it, typed as botocore's model says."""
    name = f"{ARN}:{spec.name}/x1" if spec.name_from_arn else "x1"
    out = {spec.list_name_key: name}
    for _param, key in spec.extra_params:
        out[key] = "d-1"
    if spec.list_arn_key:
        out[spec.list_arn_key] = f"{ARN}:{spec.name}/x1"
    return out


def _answer_list_and_fail_every_describe(client, spec, described):
    def list_call(params, **kwargs):
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 200, {}, None)
        return response, {spec.list_key: [_summary(spec)], "ResponseMetadata": {"HTTPStatusCode": 200}}

    def describe_call(params, model, **kwargs):
        if not model.name.startswith("Describe"):
            return None
        described.append(model.name)
        response = botocore.awsrequest.AWSResponse("http://127.0.0.1/", 400, {}, None)
        return response, {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"},
                          "ResponseMetadata": {"HTTPStatusCode": 400}}

    client.meta.events.register(f"before-call.sagemaker.{spec.list_operation}", list_call)
    client.meta.events.register("before-call.sagemaker", describe_call)


@pytest.mark.parametrize("kind", AUDITED)
def test_F17_a_failed_Describe_is_UNKNOWN_for_every_audited_kind(kind, profile):
    """Every Describe call fails (the resource's own, or the domain an app is read through): the resource is
    UNKNOWN (SM-REFERENCE, naming the call and the error), never compliant. A kind whose mere existence is
    refused (its create operation is refused outright) needs no Describe: it is a FAIL."""
    spec = RESOURCES[kind]
    assert spec.describe_operation in MODEL.operation_names
    client = botocore.session.get_session().create_client(
        "sagemaker", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",  # never reached
        aws_access_key_id="testing", aws_secret_access_key="testing")
    described: list[str] = []
    _answer_list_and_fail_every_describe(client, spec, described)
    findings = list(audit.run(profile, clients={"us-east-1": client}, resource_types=[kind], max_workers=1))
    assert findings, f"{kind}: a resource that could not be described gave no finding"
    if not described:
        assert {(f.status, f.rule_id) for f in findings} == {("FAIL", "SM-UNSUPPORTED")}
        return
    assert {(f.status, f.rule_id) for f in findings} == {("UNKNOWN", "SM-REFERENCE")}
    assert all(str(f.found) == "AccessDeniedException: not allowed" for f in findings)
    assert all("Describe" in f.path for f in findings)
