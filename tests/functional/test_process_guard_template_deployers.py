"""Other services that deploy a CloudFormation template the request does not carry, under the process guard (trial 11
F06).

A guarded process refused ``ProvisionProduct`` and a ``TemplateURL`` (a template it cannot read) but sent the same
effect through CodeConnections / CodeStar Connections Git sync (``CreateSyncConfiguration`` /
``UpdateSyncConfiguration``: every push deploys the repository's template to the stack), DataZone (an environment
blueprint names a template URL, an environment or a project profile deploys it) and AWS Proton (environments,
services, instances, pipelines and components deploy a Proton template's infrastructure). Each is now refused as
"cannot be verified" unless the profile sets ``allow_unverified_templates``
(:data:`safemaker.iac.service_calls.UNSEEN_OPERATIONS`); an update that deploys nothing (a new description) is sent.

Real botocore clients against moto on 127.0.0.1 (real HTTP). moto has none of these services: a request the guard
sends reaches moto and is answered with an error; what counts is whether it reached moto.

Oracles: botocore's models (codeconnections ``CreateSyncConfiguration``: "sync content from a Git repository to
update a specified Amazon Web Services resource", ``ResourceName`` "a CloudFormation stack in the case of
CFN_STACK_SYNC", ``SyncConfigurationType`` enum; datazone ``CloudFormationProperties.templateUrl`` "The template URL
of the cloud formation provisioning properties of the environment blueprint"; proton ``CreateService`` "an
instantiation of a service template"), and the members each operation takes.
"""

from __future__ import annotations

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls
from safemaker.other_services import DECIDED_OPERATIONS

from _profiles import make_profile
from _other_services import send

MODELS = botocore.session.get_session()
NO_RETRY = Config(retries={"total_max_attempts": 1})
ROLE = "arn:aws:iam::123456789012:role/gitsync"


def test_the_operations_and_members_are_those_of_botocores_models():
    for service in ("codeconnections", "codestar-connections"):
        model = MODELS.get_service_model(service)
        assert model.shape_for("SyncConfigurationType").enum == ["CFN_STACK_SYNC"]
        doc = model.operation_model("CreateSyncConfiguration").input_shape.members["ResourceName"].documentation
        assert "CloudFormation stack" in doc
    dz = MODELS.get_service_model("datazone")
    assert "template URL" in dz.shape_for("CloudFormationProperties").members["templateUrl"].documentation
    for key, members in service_calls.UNSEEN_WHEN_GIVEN.items():
        assert key in service_calls.UNSEEN_OPERATIONS
        assert members <= set(MODELS.get_service_model(key[0]).operation_model(key[1]).input_shape.members), key
    for (service, op) in service_calls.UNSEEN_OPERATIONS:
        assert op in DECIDED_OPERATIONS[service]


SYNC = {"Branch": "main", "ConfigFile": "deployment-file.yaml", "RepositoryLinkId":
        "11111111-2222-3333-4444-555555555555", "ResourceName": "sagemaker-stack", "RoleArn": ROLE,
        "SyncType": "CFN_STACK_SYNC"}
REFUSED = [
    ("codeconnections", "create_sync_configuration", SYNC, "ResourceName"),
    ("codeconnections", "update_sync_configuration", {"ResourceName": "s", "SyncType": "CFN_STACK_SYNC",
                                                       "Branch": "other"}, "ResourceName"),
    ("codestar-connections", "create_sync_configuration", SYNC, "ResourceName"),
    ("codestar-connections", "update_sync_configuration", {"ResourceName": "s", "SyncType": "CFN_STACK_SYNC",
                                                            "ConfigFile": "other.yaml"}, "ResourceName"),
    ("datazone", "create_environment_blueprint", {"domainIdentifier": "dzd_abc123", "name": "bp",
                                                  "provisioningProperties": {"cloudFormation": {
                                                      "templateUrl": "https://b.s3.amazonaws.com/t.yaml"}}},
     "provisioningProperties"),
    ("datazone", "create_environment", {"domainIdentifier": "dzd_abc123", "projectIdentifier": "prj123",
                                        "name": "env", "environmentBlueprintIdentifier": "bp123"},
     "environmentBlueprintIdentifier"),
    ("datazone", "update_environment", {"domainIdentifier": "dzd_abc123", "identifier": "env1",
                                        "blueprintVersion": "2"}, "blueprintVersion"),
    ("datazone", "create_project", {"domainIdentifier": "dzd_abc123", "name": "p", "projectProfileId": "pp1"},
     "projectProfileId"),
    ("proton", "create_service", {"name": "svc", "templateName": "t", "templateMajorVersion": "1",
                                  "spec": "proton: ServiceSpec"}, "templateName"),
    ("proton", "update_service_instance", {"name": "i", "serviceName": "svc", "deploymentType": "MAJOR_VERSION",
                                           "templateMajorVersion": "2"}, "serviceName"),
]


@pytest.mark.parametrize("service,method,request_,member", REFUSED, ids=[f"{r[0]}-{r[1]}" for r in REFUSED])
def test_a_template_the_request_does_not_carry_is_refused_unless_relaxed(safemaker_local, safemaker_session, profile,
                                                                         service, method, request_, member):
    safemaker.install_process(profile)
    client = safemaker_session.client(service, config=NO_RETRY)
    with pytest.raises(GuardrailViolation) as exc:
        getattr(client, method)(**request_)
    assert [(v.path, v.rule_id) for v in exc.value.violations] == [(member, "SM-REFERENCE")]
    assert "cannot" in str(exc.value).lower() and "allow_unverified_templates" in str(exc.value)
    assert safemaker_local.request_count(service) == 0
    safemaker.uninstall_process()
    safemaker.install_process(make_profile(allow_unverified_templates=True))
    send(getattr(client, method), **request_)  # moto lacks the service: its error answer means it was sent
    assert safemaker_local.request_count(service) >= 1


UNDEPLOYING = [
    ("datazone", "update_environment", {"domainIdentifier": "dzd_abc123", "identifier": "env1",
                                        "description": "new"}),
    ("datazone", "create_project", {"domainIdentifier": "dzd_abc123", "name": "p"}),
    ("datazone", "update_environment_blueprint", {"domainIdentifier": "dzd_abc123", "identifier": "bp1",
                                                  "description": "new"}),
    ("proton", "update_service", {"name": "svc", "description": "new"}),
]


@pytest.mark.parametrize("service,method,request_", UNDEPLOYING, ids=[f"{r[0]}-{r[1]}" for r in UNDEPLOYING])
def test_an_update_that_deploys_nothing_is_sent(safemaker_local, safemaker_session, profile, service, method,
                                                request_):
    g = safemaker.install_process(profile)
    client = safemaker_session.client(service, config=NO_RETRY)
    send(getattr(client, method), **request_)  # moto lacks the service: its error answer means it was sent
    assert safemaker_local.request_count(service) >= 1
    assert [d.outcome for d in g.decisions] == ["allowed"]
