"""An API Gateway AWS service integration calling SageMaker is decided as that call (trial 17 F07).

An integration of type ``AWS`` calls the AWS API its ``uri`` names every time the method is invoked: botocore's
apigateway model, ``PutIntegration.uri``: "For AWS or AWS_PROXY integrations, the URI is of the form
arn:aws:apigateway:{region}:{subdomain.service|service}:path|action/{service_api} ... {service} is the name of the
integrated Amazon Web Services service"; the body is what the request's content type's mapping template
(``requestTemplates``) makes, and a content type without one is passed through as the client sent it unless
``passthroughBehavior`` is ``NEVER`` (or ``WHEN_NO_TEMPLATES`` with a template) (``PutIntegration.passthroughBehavior``
documentation; API Gateway Developer Guide, "Integration passthrough behaviors"). A static JSON template (no Velocity
``$`` / ``#``) with the passthrough closed is that SageMaker request, decided as written; a Velocity template, a
passthrough body, ``AWS_PROXY`` or a ``path/`` URI cannot be verified. Before, ``safemaker check`` exited 0
("nothing was checked") and a guarded ``put_integration`` / ``create_stack`` was sent.

``safemaker check`` of CloudFormation (``AWS::ApiGateway::Method`` ``Integration``, an ``AWS::ApiGateway::RestApi``
OpenAPI ``Body``'s ``x-amazon-apigateway-integration``) and Terraform (``aws_api_gateway_integration``,
``aws_api_gateway_rest_api.body``) sources, and guarded real botocore ``apigateway`` / ``cloudformation`` clients
against the local backend (moto on 127.0.0.1, real HTTP). SageMaker API reference: ``CreateNotebookInstance``
``DirectInternetAccess`` ``Enabled`` opens the notebook.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.config import Config

import safemaker
from safemaker.errors import GuardrailViolation
from safemaker.iac import service_calls

from _profiles import ROLE, SG, SUB_A
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

CLOSED = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A,
          "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}
OPEN = {**CLOSED, "DirectInternetAccess": "Enabled"}
URI = "arn:aws:apigateway:us-east-1:api.sagemaker:action/CreateNotebookInstance"
CRED = "arn:aws:iam::123456789012:role/apigw"
VTL = '{"NotebookInstanceName": "$input.path(\'$.name\')", "InstanceType": "ml.t3.medium"}'


def method(integration):
    return {"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "nb"}},
        "M": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
            "HttpMethod": "POST", "AuthorizationType": "NONE", "Integration": integration}}}}


def integration(body=OPEN, uri=URI, **more):
    out = {"Type": "AWS", "IntegrationHttpMethod": "POST", "Uri": uri, "Credentials": CRED,
           "PassthroughBehavior": "NEVER", "RequestTemplates": {"application/json": json.dumps(body)}}
    out.update(more)
    return {k: v for k, v in out.items() if v is not None}


def check(profile_file, tmp_path, data, name="t.json"):
    f = tmp_path / name
    f.write_text(json.dumps(data, indent=1))
    return run_json(profile_file, str(f))


def findings(rows):
    return sorted((r["status"], r["rule_id"], r["path"]) for r in rows if r.get("status") in ("FAIL", "UNKNOWN"))


def test_the_model_documents_the_uri_form_and_the_passthrough_read():
    model = botocore.session.get_session().get_service_model("apigateway")
    put = model.operation_model("PutIntegration").input_shape.members
    assert "arn:aws:apigateway:{region}:{subdomain.service|service}:path|action/{service_api" \
        in put["uri"].documentation
    assert "Action={name}&amp;{p1}={v1}" in put["uri"].documentation   # input parameters in the URI too
    assert {"type", "uri", "requestTemplates", "passthroughBehavior", "credentials"} <= set(put)
    assert set(model.shape_for("IntegrationType").enum) == {"HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"}
    assert "WHEN_NO_MATCH" in put["passthroughBehavior"].documentation
    assert "patchOperations" in model.operation_model("UpdateIntegration").input_shape.members


# --------------------------------------------------------------------------- safemaker check


@pytest.mark.parametrize("host", ["api.sagemaker", "sagemaker"])
def test_a_static_open_body_is_found_and_a_closed_one_passes(profile_file, tmp_path, host):
    uri = URI.replace("api.sagemaker", host)
    r, rows = check(profile_file, tmp_path, method(integration(OPEN, uri)))
    assert r.exit_code == 3
    assert findings(rows) == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "Integration.RequestTemplates.application/json.DirectInternetAccess")]
    r, rows = check(profile_file, tmp_path, method(integration(CLOSED, uri)))
    assert (r.exit_code, findings(rows)) == (0, [])


@pytest.mark.parametrize("change, path", [
    ({"RequestTemplates": {"application/json": VTL}}, "Integration.RequestTemplates.application/json"),
    ({"PassthroughBehavior": None}, "Integration.RequestTemplates"),          # WHEN_NO_MATCH, the default
    ({"PassthroughBehavior": "WHEN_NO_MATCH"}, "Integration.PassthroughBehavior"),
    ({"PassthroughBehavior": "WHEN_NO_TEMPLATES", "RequestTemplates": None}, "Integration.PassthroughBehavior"),
    ({"Type": "AWS_PROXY"}, "Integration.Type"),
    ({"Uri": "arn:aws:apigateway:us-east-1:api.sagemaker:path/notebook"}, "Integration.Uri"),
    ({"Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:api.sagemaker:action/${Op}"}}, "Integration.Uri"),
])
def test_what_the_client_or_a_template_decides_cannot_be_verified(profile_file, tmp_path, change, path):
    data = method(integration(CLOSED, **change))
    data["Parameters"] = {"Op": {"Type": "String"}}
    r, rows = check(profile_file, tmp_path, data)
    assert r.exit_code == 3
    assert ("UNKNOWN", "SM-REFERENCE", path) in findings(rows)


@pytest.mark.parametrize("uri, typ", [
    ("arn:aws:apigateway:us-east-1:runtime.sagemaker:path//endpoints/e/invocations", "AWS"),   # inference
    ("arn:aws:apigateway:us-east-1:api.sagemaker:action/DescribeNotebookInstance", "AWS"),      # not guarded
    ("arn:aws:apigateway:us-east-1:s3:path/bucket/key", "AWS"),
    ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations", "AWS_PROXY"),
    ("https://example.com/notebook", "HTTP"),
])
def test_other_integrations_are_not_sagemaker_requests(profile_file, tmp_path, uri, typ):
    data = method(integration(OPEN, uri, Type=typ, PassthroughBehavior="WHEN_NO_MATCH",
                              RequestTemplates={"application/json": VTL}))
    r, rows = check(profile_file, tmp_path, data)
    assert (r.exit_code, findings(rows)) == (0, [])


def test_an_unknown_sagemaker_host_cannot_be_verified(profile_file, tmp_path):
    r, rows = check(profile_file, tmp_path, method(integration(CLOSED, URI.replace("api.sagemaker", "x.sagemaker"))))
    assert ("UNKNOWN", "SM-REFERENCE", "Integration.Uri") in findings(rows)


def test_an_openapi_body_is_read(profile_file, tmp_path):
    # API Gateway Developer Guide, "x-amazon-apigateway-integration object" (type, uri, requestTemplates,
    # passthroughBehavior) under an operation of paths
    op = {"x-amazon-apigateway-integration": {"type": "aws", "uri": URI, "httpMethod": "POST", "credentials": CRED,
                                              "passthroughBehavior": "never",
                                              "requestTemplates": {"application/json": json.dumps(OPEN)}}}
    data = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
        "Body": {"openapi": "3.0.1", "info": {"title": "nb", "version": "1"}, "paths": {"/nb": {"post": op}}}}}}}
    r, rows = check(profile_file, tmp_path, data)
    assert findings(rows) == [("FAIL", "SM-NB-DIRECT-INTERNET", "Body.paths./nb.post.x-amazon-apigateway-integration."
                                                                "requestTemplates.application/json.DirectInternetAccess")]


def test_a_terraform_integration_and_openapi_body_are_read(profile_file, tmp_path):
    def rc(addr, after):
        return {"address": addr, "mode": "managed", "type": addr.split(".")[0], "name": addr.split(".")[1],
                "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}}}

    after = {"type": "AWS", "uri": URI, "http_method": "POST", "integration_http_method": "POST",
             "passthrough_behavior": "NEVER", "request_templates": {"application/json": json.dumps(OPEN)}}
    body = {"openapi": "3.0.1", "paths": {"/nb": {"post": {"x-amazon-apigateway-integration": {
        "type": "AWS", "uri": URI, "requestTemplates": {"application/json": VTL}, "passthroughBehavior": "NEVER"}}}}}
    plan = {"format_version": "1.2", "resource_changes": [
        rc("aws_api_gateway_integration.i", after), rc("aws_api_gateway_rest_api.a", {"body": json.dumps(body)})]}
    r, rows = check(profile_file, tmp_path, plan, "plan.json")
    assert r.exit_code == 3
    assert findings(rows) == [
        ("FAIL", "SM-NB-DIRECT-INTERNET", "request_templates.application/json.DirectInternetAccess"),
        ("UNKNOWN", "SM-REFERENCE", "body.paths./nb.post.x-amazon-apigateway-integration.requestTemplates."
                                    "application/json")]


def test_a_state_machine_task_putting_an_integration_is_read(profile_file, tmp_path):
    # a carrier calling apigateway PutIntegration (Step Functions AWS SDK integration, PascalCase members)
    task = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:apigateway:putIntegration", "End": True,
            "Parameters": {"RestApiId": "a", "ResourceId": "r", "HttpMethod": "POST", "Type": "AWS", "Uri": URI,
                           "PassthroughBehavior": "NEVER", "RequestTemplates": {"application/json": json.dumps(OPEN)}}}
    data = {"Resources": {"Sm": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
        "RoleArn": ROLE, "DefinitionString": json.dumps({"StartAt": "P", "States": {"P": task}})}}}}
    r, rows = check(profile_file, tmp_path, data)
    assert ("FAIL", "SM-NB-DIRECT-INTERNET") in [(s, rule) for s, rule, _ in findings(rows)]


# --------------------------------------------------------------------------- the process guard (moto)


def _method(session):
    api = session.client("apigateway")
    rest = api.create_rest_api(name="nb")["id"]
    root = api.get_resources(restApiId=rest)["items"][0]["id"]
    api.put_method(restApiId=rest, resourceId=root, httpMethod="POST", authorizationType="NONE")
    return {"restApiId": rest, "resourceId": root, "httpMethod": "POST"}


def _put(body=OPEN, uri=URI, typ="AWS", passthrough="NEVER", templates=None):
    out = {"type": typ, "integrationHttpMethod": "POST", "uri": uri, "credentials": CRED,
           "requestTemplates": templates if templates is not None else {"application/json": json.dumps(body)}}
    if passthrough is not None:
        out["passthroughBehavior"] = passthrough
    return out


def test_put_integration_of_an_open_notebook_is_refused_and_a_closed_one_sent(
        safemaker_local, safemaker_session, profile):
    where = _method(safemaker_session)
    safemaker.install_process(profile)
    api = safemaker_session.client("apigateway")
    with pytest.raises(GuardrailViolation) as exc:
        api.put_integration(**where, **_put(OPEN))
    assert ("requestTemplates.application/json.DirectInternetAccess", "Enabled") in [
        (v.path, v.found) for v in exc.value.violations]
    for bad in (_put(CLOSED, passthrough=None), _put(CLOSED, templates={"application/json": VTL}),
                _put(CLOSED, typ="AWS_PROXY")):
        with pytest.raises(GuardrailViolation) as exc:
            api.put_integration(**where, **bad)
        assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert safemaker_local.request_count("apigateway", "PutIntegration") == 0
    api.put_integration(**where, **_put(CLOSED))   # a closed static body
    api.put_integration(**where, **_put(OPEN, uri="arn:aws:apigateway:us-east-1:s3:path/b/k",
                                        templates={"application/json": VTL}, passthrough=None))   # not SageMaker
    assert safemaker_local.request_count("apigateway", "PutIntegration") == 2
    assert api.get_integration(**where)["uri"] == "arn:aws:apigateway:us-east-1:s3:path/b/k"


def test_update_integration_decides_the_patched_integration(safemaker_local, safemaker_session, profile):
    where = _method(safemaker_session)
    safemaker_session.client("apigateway").put_integration(**where, **_put(
        CLOSED, uri="arn:aws:apigateway:us-east-1:s3:path/b/k"))
    safemaker.install_process(profile)
    api = safemaker_session.client("apigateway", config=Config(retries={"total_max_attempts": 1}))
    to_sagemaker = [{"op": "replace", "path": "/uri", "value": URI}]
    open_body = [{"op": "replace", "path": "/requestTemplates/application~1json", "value": json.dumps(OPEN)}]
    with pytest.raises(GuardrailViolation) as exc:
        api.update_integration(**where, patchOperations=to_sagemaker + open_body)
    assert ("requestTemplates.application/json.DirectInternetAccess", "Enabled") in [
        (v.path, v.found) for v in exc.value.violations]
    with pytest.raises(GuardrailViolation) as exc:   # a method with no integration: cannot be read
        api.update_integration(**{**where, "httpMethod": "GET"}, patchOperations=to_sagemaker)
    assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert safemaker_local.request_count("apigateway", "UpdateIntegration") == 0
    try:   # the S3 integration keeps its closed body with a SageMaker URI: decided, sent (moto may not implement it)
        api.update_integration(**where, patchOperations=to_sagemaker)
    except GuardrailViolation:   # pragma: no cover - the assertion below says what was refused
        raise
    except Exception:  # noqa: BLE001 - the server answered: it was sent
        pass
    assert safemaker_local.request_count("apigateway", "UpdateIntegration") == 1


def test_create_stack_of_an_open_integration_is_refused(safemaker_local, safemaker_session, profile):
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="api", TemplateBody=json.dumps(method(integration(OPEN))))
    assert "Enabled" in [v.found for v in exc.value.violations]
    assert safemaker_local.request_count("cloudformation", "CreateStack") == 0


def test_patched_integration_applies_api_gateway_patch_operations():
    current = {"type": "AWS", "uri": "u", "requestTemplates": {"text/plain": "x"}, "ResponseMetadata": {}}
    got = service_calls.patched_integration(current, [
        {"op": "replace", "path": "/requestTemplates/application~1json", "value": "{}"},
        {"op": "remove", "path": "/requestTemplates/text~1plain"},
        {"op": "copy", "from": "/uri", "path": "/credentials"}])
    assert got == {"type": "AWS", "uri": "u", "requestTemplates": {"application/json": "{}"}, "credentials": "u"}
    with pytest.raises(ValueError):
        service_calls.patched_integration(current, [{"op": "test", "path": "/uri"}])


def _openapi(body=OPEN, passthrough="never"):
    info = {"title": "nb", "description": "d", "version": "1"}   # moto's import reads info.description
    return json.dumps({"openapi": "3.0.1", "info": info, "paths": {"/nb": {"post": {
        "responses": {"200": {"description": "OK"}},
        "x-amazon-apigateway-integration": {"type": "aws", "uri": URI, "httpMethod": "POST", "credentials": CRED,
                                            "passthroughBehavior": passthrough,
                                            "requestTemplates": {"application/json": json.dumps(body)}}}}}})


def test_import_and_put_rest_api_decide_the_openapi_body(safemaker_local, safemaker_session, profile):
    # botocore apigateway ImportRestApi / PutRestApi: "body: The POST request body containing external API
    # definitions. Currently, only OpenAPI definition JSON/YAML files are supported" (a blob)
    safemaker.install_process(profile)
    api = safemaker_session.client("apigateway")
    with pytest.raises(GuardrailViolation) as exc:
        api.import_rest_api(body=_openapi(OPEN).encode())
    assert ("body:paths./nb.post.x-amazon-apigateway-integration.requestTemplates.application/json."
            "DirectInternetAccess", "Enabled") in [(v.path, v.found) for v in exc.value.violations]
    with pytest.raises(GuardrailViolation) as exc:
        api.import_rest_api(body=_openapi(CLOSED, passthrough="when_no_match"))
    assert {v.rule_id for v in exc.value.violations} == {"SM-REFERENCE"}
    assert safemaker_local.request_count("apigateway", "ImportRestApi") == 0
    rest = api.import_rest_api(body=_openapi(CLOSED).encode())["id"]
    with pytest.raises(GuardrailViolation):
        api.put_rest_api(restApiId=rest, mode="merge", body=_openapi(OPEN))
    assert safemaker_local.request_count("apigateway", "PutRestApi") == 0
    api.put_rest_api(restApiId=rest, mode="overwrite", body=json.dumps(
        {"openapi": "3.0.1", "info": {"title": "nb", "description": "d", "version": "1"}, "paths": {}}))
    assert safemaker_local.request_count("apigateway", "ImportRestApi") == 1
    assert safemaker_local.request_count("apigateway", "PutRestApi") == 1


def test_a_terraform_rest_api_put_body_is_read(profile_file, tmp_path):
    plan = {"format_version": "1.2", "resource_changes": [{
        "address": "aws_api_gateway_rest_api_put.p", "mode": "managed", "type": "aws_api_gateway_rest_api_put",
        "name": "p", "change": {"actions": ["create"], "before": None, "after_unknown": {},
                                "after": {"rest_api_id": "a", "body": _openapi(OPEN)}}}]}
    r, rows = check(profile_file, tmp_path, plan, "plan.json")
    assert findings(rows) == [("FAIL", "SM-NB-DIRECT-INTERNET", "body.paths./nb.post.x-amazon-apigateway-integration."
                                                                "requestTemplates.application/json.DirectInternetAccess")]
