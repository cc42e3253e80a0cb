"""Field reports F05 and F16 (shared/cases/field-reports.md): the guard checks the final request itself.

Through a real botocore client guarded with ``hooks.install`` against the local backend (moto on 127.0.0.1 over
HTTP), whatever built the request (an SDK config file, a Networking object, a hand-written dict). Expected values
are botocore's model (``VpcConfig`` = ``Subnets`` + ``SecurityGroupIds``, each a list of at least one ID: "min": 1
in the model) and the AWS API reference (CreateNotebookInstance: ``DirectInternetAccess`` ``Disabled`` "only if you
set a value for the SubnetId parameter").
"""

from __future__ import annotations

import botocore.exceptions
import botocore.session
import pytest

from safemaker import hooks
from safemaker.errors import MISSING, GuardrailViolation

from _profiles import ROLE, SG, SUB_A, SUB_C, SUB_OUT, SG_OUT
from _profiles import training_job_request

MODEL = botocore.session.get_session().get_service_model("sagemaker")


@pytest.fixture
def sm(safemaker_local, safemaker_session, profile):
    client = safemaker_session.client("sagemaker")
    hooks.install(client, profile)
    safemaker_local.reset_requests()
    return client


# --------------------------------------------------------------------------- F05


def test_F05_both_VpcConfig_lists_are_required_non_empty_by_botocores_model():
    vpc = MODEL.shape_for("VpcConfig")
    assert set(vpc.required_members) == {"Subnets", "SecurityGroupIds"}
    assert vpc.members["Subnets"].metadata["min"] == 1 and vpc.members["SecurityGroupIds"].metadata["min"] == 1


@pytest.mark.parametrize("vpc, expected, named", [
    # the report: SDK config VpcConfig merged with a subnets-only Networking, security groups lost
    ({"Subnets": [SUB_A]}, [("VpcConfig.SecurityGroupIds", MISSING)], "VpcConfig.SecurityGroupIds is absent"),
    ({"SecurityGroupIds": [SG]}, [("VpcConfig.Subnets", MISSING)], "VpcConfig.Subnets is absent"),
    ({"Subnets": [SUB_A], "SecurityGroupIds": []}, [("VpcConfig.SecurityGroupIds", [])],
     "VpcConfig.SecurityGroupIds is []"),
    ({"Subnets": [], "SecurityGroupIds": [SG]}, [("VpcConfig.Subnets", [])], "VpcConfig.Subnets is []"),
    # IDs of the wrong kind (prefix) in each list
    ({"Subnets": [SG], "SecurityGroupIds": [SUB_A]},
     [("VpcConfig.Subnets[0]", SG), ("VpcConfig.SecurityGroupIds[0]", SUB_A)], f"VpcConfig.Subnets[0] is '{SG}'"),
    # IDs of the right kind outside the profile
    ({"Subnets": [SUB_A, SUB_OUT], "SecurityGroupIds": [SG_OUT]},
     [("VpcConfig.Subnets[1]", SUB_OUT), ("VpcConfig.SecurityGroupIds[0]", SG_OUT)],
     f"VpcConfig.SecurityGroupIds[0] is '{SG_OUT}'"),
], ids=["no-security-groups", "no-subnets", "empty-security-groups", "empty-subnets", "swapped-prefixes",
        "outside-the-profile"])
def test_F05_final_request_VpcConfig_is_checked_and_the_message_names_the_list(sm, safemaker_local, vpc,
                                                                               expected, named):
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_training_job(**training_job_request("f05", VpcConfig=vpc))
    assert [(v.path, v.found) for v in exc.value.violations] == expected
    assert {v.rule_id for v in exc.value.violations} == {"SM-NET-VPC"}
    assert named in str(exc.value)
    assert str(exc.value).startswith("CreateTrainingJob refused: ")
    assert safemaker_local.request_count("sagemaker") == 0


def test_F05_both_lists_inside_the_profile_are_sent_as_given(sm, safemaker_local):
    sm.create_training_job(**training_job_request("f05ok", VpcConfig={"Subnets": [SUB_C], "SecurityGroupIds": [SG]}))
    assert sm.describe_training_job(TrainingJobName="f05ok")["VpcConfig"] == {"Subnets": [SUB_C],
                                                                             "SecurityGroupIds": [SG]}


# --------------------------------------------------------------------------- F16


def test_F16_disabled_without_subnet_never_leaves_the_process_without_one(sm, safemaker_local):
    """The guard itself makes ``Disabled`` carry a SubnetId: the profile's when absent; refused when empty."""
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                DirectInternetAccess="Disabled", SecurityGroupIds=[SG], RootAccess="Disabled")
    stored = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert (stored["DirectInternetAccess"], stored["SubnetId"]) == ("Disabled", SUB_A)
    with pytest.raises(GuardrailViolation) as exc:
        sm.create_notebook_instance(NotebookInstanceName="nb2", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    DirectInternetAccess="Disabled", SubnetId="", SecurityGroupIds=[SG],
                                    RootAccess="Disabled")
    assert [(v.path, v.found, v.rule_id) for v in exc.value.violations] == [("SubnetId", "", "SM-NET-SUBNET")]
    assert safemaker_local.request_count("sagemaker", "CreateNotebookInstance") == 1


def test_F16_warn_mode_records_the_missing_subnet_and_sends_the_request_as_given(safemaker_local, safemaker_session,
                                                                                  profile):
    """Warn mode changes nothing: the record says SubnetId would be injected (it is missing), the request goes
    out as given and the local backend refuses it as AWS does."""
    client = safemaker_session.client("sagemaker")
    guard = hooks.install(client, profile, mode="warn")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        client.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                        DirectInternetAccess="Disabled", SecurityGroupIds=[SG], RootAccess="Disabled")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    (decision,) = [d for d in guard.decisions if d.operation == "CreateNotebookInstance"]
    assert (decision.outcome, decision.injected, decision.violations) == ("injected", ("SubnetId",), ())
