"""botocore's DEBUG log never carries the value of a member botocore's models mark ``sensitive`` (trial 15 F01, F02).

The oracle is botocore's service model: every member whose shape has the ``sensitive`` trait (``shape.metadata
["sensitive"]``), in the input of every operation of the services below (requests) and in the output of every
operation of those moto serves (responses), is given a value of its own; the call goes through a real botocore client
to the moto server of the local backend on 127.0.0.1 with every logger at DEBUG, and no value of a sensitive member
may appear in what was logged. botocore logs the request (``botocore.endpoint``: the body's bytes, a query
protocol's parameters, headers, query string), the canonical request (``botocore.auth``), the request line
(``urllib3``) and the response's headers and body (``botocore.parsers``).

Services: SageMaker, SSM and SageMaker Unified Studio (DataZone), whose minted credentials the masking's own table
covers (tests/unit/test_redact_secrets.py), Secrets Manager (F01: ``SecretString``), and IAM for botocore's query
protocol (form parameters, XML responses); EC2 and RDS, whose query / ec2 protocols flatten the parameters
('A.B.1.C', trial 15c F02); EventBridge v2 and CloudWatch Omni (smithy-rpc-v2-cbor: a CBOR body, F03); User
Notifications Contacts and Chime SDK Voice (sensitive labels of the request's path), HealthImaging (a sensitive
structure as the body) (F04). Those moto does not serve (DataZone, the last five) have their requests logged, then
answered 404.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import re

import botocore.exceptions
import botocore.session
import pytest
from botocore.serialize import RpcV2CBORSerializer
from botocore.config import Config

import safemaker

from _shapes import ref_trait, service_model_documents

REQUEST_SERVICES = ("sagemaker", "ssm", "secretsmanager", "datazone", "iam",
                    "ec2", "rds",  # query / ec2 protocols: flattened keys (trial 15c F02)
                    "eventbridgev2", "cloudwatchomni",  # smithy-rpc-v2-cbor (F03)
                    "notificationscontacts", "chime-sdk-voice", "medical-imaging")  # path labels, payloads (F04)
#: The services moto serves, with the class answering each (a response method is put on it for the test).
RESPONSE_CLASSES = {"ssm": ("moto.ssm.responses", "SimpleSystemManagerResponse"),
                    "secretsmanager": ("moto.secretsmanager.responses", "SecretsManagerResponse"),
                    "sagemaker": ("moto.sagemaker.responses", "SageMakerResponse"),
                    "iam": ("moto.iam.responses", "IamResponse")}
ONE = Config(retries={"total_max_attempts": 1}, inject_host_prefix=False, read_timeout=20)
_MODELS = botocore.session.get_session()


class Example:
    """A value for every member of a shape (lists of one, maps of one entry, unions by their first member, five
    structures deep, deeper only the required members), each string of a sensitive member (or below one) unique and
    remembered in :attr:`secrets` with the forms botocore writes it in (a blob's base64)."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.secrets, self.count = prefix, [], 0

    def secret(self, shape, minimum: int = 1) -> str:
        self.count += 1
        text = f"{self.prefix}Sens{self.count:03d}Xq"
        return text + "z" * max(0, minimum - len(text))

    def value(self, shape, sensitive: bool = False, depth: int = 0):
        sensitive = sensitive or bool(shape.metadata.get("sensitive"))
        kind, meta = shape.type_name, shape.metadata
        if meta.get("document"):
            return {"k": self._remember(self.secret(shape)) if sensitive else "v"}
        if kind == "structure":
            if depth > 12:
                return None
            members = list(shape.members.items())
            if meta.get("union"):
                members = members[:1]
            elif depth > 5:  # deeper: the required members only
                members = [(name, member) for name, member in members if name in shape.required_members]
            built = {}
            for name, member in members:
                if member.serialization.get("eventstream") or member.serialization.get("streaming"):
                    continue
                value = self.value(member, sensitive, depth + 1)
                if value is not None:
                    built[name] = value
            return built
        if kind == "list":
            item = self.value(shape.member, sensitive, depth + 1)
            return None if item is None else [item] * max(1, meta.get("min", 1) or 1)
        if kind == "map":
            key, item = self.value(shape.key, sensitive, depth + 1), self.value(shape.value, sensitive, depth + 1)
            return None if key is None or item is None else {key: item}
        if kind == "string":
            if shape.enum:
                return shape.enum[0]
            minimum = int(meta.get("min", 1) or 1)
            if sensitive:
                return self._remember(self.secret(shape, minimum))
            return "v" * max(1, minimum)
        if kind == "blob":
            if sensitive:
                raw = self.secret(shape, int(meta.get("min", 1) or 1))
                self._remember(raw)
                self.secrets.append(base64.b64encode(raw.encode()).decode())
                return raw.encode()
            return b"v" * max(1, int(meta.get("min", 1) or 1))
        if kind in ("integer", "long"):
            low = int(meta.get("min", 1)) if "min" in meta else 1
            if sensitive and low <= 7_300_001 <= int(meta.get("max", 10**9)):
                self.count += 1
                return int(self._remember(str(7_300_000 + self.count)))
            return low
        if kind in ("float", "double"):
            if sensitive:
                self.count += 1
                return float(self._remember(f"7301.{self.count:03d}5"))
            return float(meta.get("min", 1))
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
        return None

    def _remember(self, text: str) -> str:
        self.secrets.append(text)
        return text


def _sensitive_below(shape, seen: frozenset[str] = frozenset()) -> bool:
    """Whether botocore marks a shape at or below ``shape`` sensitive (the oracle's own walk of the model)."""
    if shape is None:
        return False
    if shape.metadata.get("sensitive"):
        return True
    if shape.type_name == "structure":
        if shape.name in seen:
            return False
        return any(_sensitive_below(member, seen | {shape.name}) for member in shape.members.values())
    if shape.type_name == "list":
        return _sensitive_below(shape.member, seen)
    if shape.type_name == "map":
        return _sensitive_below(shape.key, seen) or _sensitive_below(shape.value, seen)
    return False


def _operations(services, direction: str) -> list[tuple[str, str]]:
    found = []
    for service in services:
        model = _MODELS.get_service_model(service)
        for name in model.operation_names:
            operation = model.operation_model(name)
            shape = operation.input_shape if direction == "input" else operation.output_shape
            if _sensitive_below(shape):
                found.append((service, name))
    return found


@functools.cache
def _requests() -> list[tuple[str, str]]:
    """The operations of :data:`REQUEST_SERVICES` with a sensitive member in their input: walked once per test process,
    when a test first asks (not at collection, in every pytest-xdist worker)."""
    return _operations(REQUEST_SERVICES, "input")


@functools.cache
def _responses() -> list[tuple[str, str]]:
    """The operations of :data:`RESPONSE_CLASSES` with a sensitive member in their output (as :func:`_requests`)."""
    return _operations(RESPONSE_CLASSES, "output")


def test_the_services_have_operations_with_sensitive_members():
    """The model holds what the sweep relies on (botocore: PSParameterValue, SecretStringType, ClientSecret)."""
    REQUESTS, RESPONSES = _requests(), _responses()
    assert ("ssm", "PutParameter") in REQUESTS and ("secretsmanager", "CreateSecret") in REQUESTS
    assert ("sagemaker", "CreateWorkforce") in REQUESTS and ("iam", "CreateLoginProfile") in REQUESTS
    assert ("ssm", "GetParameter") in RESPONSES and ("secretsmanager", "GetSecretValue") in RESPONSES
    assert len(REQUESTS) >= 80 and len(RESPONSES) >= 15


@pytest.mark.parametrize("service", REQUEST_SERVICES)
def test_no_sensitive_member_of_a_request_is_logged(safemaker_local, debug_log, service):
    """Every operation of ``service`` with a sensitive input member, sent with a value in every member: the request
    leaves the process (moto answers, an error for most), and what botocore logged of it holds none of the values."""
    from safemaker._redact import install_log_redaction

    client = safemaker_local.session.client(service, config=ONE)
    install_log_redaction()  # after the client: its loggers exist
    model = client.meta.service_model
    leaked, sent = [], 0
    for name in [op for svc, op in _requests() if svc == service]:
        operation = model.operation_model(name)
        example = Example(name[:6])
        params = example.value(operation.input_shape)
        start = debug_log.tell()
        try:
            client._make_api_call(name, params)
        except Exception as exc:  # noqa: BLE001 - moto's answer, or a client-side refusal
            if type(exc).__name__ in ("ParamValidationError", "ValidationError"):
                raise AssertionError(f"{service}.{name}: the example is not a valid request: {exc}") from exc
        logged = debug_log.getvalue()[start:]
        sent += f"Making request for OperationModel(name={name})" in logged
        leaked += [(name, secret) for secret in example.secrets if secret in logged]
    assert sent == len([op for svc, op in _requests() if svc == service])
    assert not leaked, leaked[:10]


@pytest.mark.parametrize("service", sorted(RESPONSE_CLASSES))
def test_no_sensitive_member_of_a_response_is_logged(safemaker_local, debug_log, monkeypatch, service):
    """Every operation of ``service`` with a sensitive output member, answered by moto with a value in every member
    (the operation's method on moto's response class returns it, serialized by moto from botocore's model): what
    botocore logged of the response (headers, body) holds none of the values, and the client got them."""
    import importlib

    from moto.core.responses import ActionResult
    from moto.core.utils import camelcase_to_underscores

    from safemaker._redact import install_log_redaction

    module, cls = RESPONSE_CLASSES[service]
    responder = getattr(importlib.import_module(module), cls)
    client = safemaker_local.session.client(service, config=ONE)
    install_log_redaction()
    model = client.meta.service_model
    leaked, answered = [], 0
    for name in [op for svc, op in _responses() if svc == service]:
        operation = model.operation_model(name)
        example = Example(name[:6])
        body = example.value(operation.output_shape)
        monkeypatch.setattr(responder, camelcase_to_underscores(name),
                            lambda self, body=body: ActionResult(body), raising=False)
        params = Example("in").value(operation.input_shape) if operation.input_shape is not None else {}
        start = debug_log.tell()
        try:
            result = client._make_api_call(name, params)
        except Exception as exc:  # noqa: BLE001 - an operation moto routes elsewhere: counted below
            result = {"error": repr(exc)}
        logged = debug_log.getvalue()[start:]
        answered += example.secrets[0] in json.dumps(result, default=str) if example.secrets else 0
        leaked += [(name, secret) for secret in example.secrets if secret in logged]
    assert answered >= len([op for svc, op in _responses() if svc == service]) // 2  # most answered as given
    assert not leaked, leaked[:10]


# ---------------------------------------------------------------- a guarded process (the reviewer's calls)

SECRET = "Hunter3-sm-SECRET-value"


def test_a_guarded_process_logs_no_json_secret_nor_securestring(safemaker_local, debug_log, profile):
    """Trial 15 F01 and F02 under ``install_process`` (which puts the filter on botocore's loggers): Secrets Manager's
    SecretString as the JSON the API reference recommends ("a JSON structure of key/value pairs"), SageMaker's
    OidcConfig.ClientSecret holding a double quote (botocore: ClientSecret sensitive), SSM's SecureString value
    (botocore: PSParameterValue sensitive) put, got decrypted and listed by path. Each request left the process and
    each answer came back whole; the log holds none of the secrets, and shows the members that are no secret."""
    safemaker.install_process(profile)
    session = safemaker_local.session
    sm = session.client("secretsmanager", config=ONE)
    secret_json = json.dumps({"username": "admin", "pw": SECRET})
    sm.create_secret(Name="db", SecretString=secret_json)
    assert sm.get_secret_value(SecretId="db")["SecretString"] == secret_json
    ssm = session.client("ssm", config=ONE)
    ssm.put_parameter(Name="/db/password", Value=SECRET + "-ssm", Type="SecureString",
                      Tags=[{"Key": "team", "Value": "ml"}])
    assert ssm.get_parameter(Name="/db/password", WithDecryption=True)["Parameter"]["Value"] == SECRET + "-ssm"
    by_path = ssm.get_parameters_by_path(Path="/db", WithDecryption=True)["Parameters"]
    assert [p["Value"] for p in by_path] == [SECRET + "-ssm"]
    sagemaker = session.client("sagemaker", config=ONE)
    oidc = {"ClientId": "c", "ClientSecret": 'a"b' + SECRET + "-oidc", "Issuer": "https://idp.example.com",
            "AuthorizationEndpoint": "https://idp.example.com/a", "TokenEndpoint": "https://idp.example.com/t",
            "UserInfoEndpoint": "https://idp.example.com/u", "LogoutEndpoint": "https://idp.example.com/l",
            "JwksUri": "https://idp.example.com/j"}
    try:
        sagemaker.create_workforce(WorkforceName="wf", OidcConfig=oidc)
    except Exception as exc:  # noqa: BLE001 - moto's answer; a refusal would not have been sent
        assert not isinstance(exc, safemaker.GuardrailViolation), exc
    logged = debug_log.getvalue()
    for operation in ("CreateSecret", "GetSecretValue", "PutParameter", "GetParameter", "GetParametersByPath",
                      "CreateWorkforce"):
        assert f"OperationModel(name={operation})" in logged
    assert SECRET not in logged and "Hunter3" not in logged
    assert '"SecretString": "***"' in logged and '"Value": "***"' in logged and '"ClientSecret": "***"' in logged
    assert '"Name": "/db/password"' in logged and '"ClientId": "c"' in logged  # the rest is shown


def test_boto3_resource_actions_log_no_sensitive_member(safemaker_local, debug_log, profile):
    """boto3's resource layer logs each action's parameters and response on its own loggers
    (boto3/resources/action.py: "Calling %s:%s with %r", "Response: %r"; collection.py likewise): under
    ``install_process`` the members botocore marks sensitive are masked there too (trial 15c F07), whether or not
    their names say secret: iam CreateLoginProfile.Password (passwordType), ec2 RunInstances.UserData
    (RunInstancesUserData). The action's non-secret members stay readable."""
    iam_model = botocore.session.get_session().get_service_model("iam")
    ec2_model = botocore.session.get_session().get_service_model("ec2")
    assert iam_model.operation_model("CreateLoginProfile").input_shape.members["Password"].metadata["sensitive"]
    assert ec2_model.operation_model("RunInstances").input_shape.members["UserData"].metadata["sensitive"]
    safemaker.install_process(profile)
    iam = safemaker_local.session.resource("iam", config=ONE)
    iam.create_user(UserName="u")
    iam.User("u").create_login_profile(Password=SECRET + "-login")
    ec2 = safemaker_local.session.resource("ec2", config=ONE)
    user_data = "#!/bin/sh\necho " + SECRET + "-userdata"
    [instance] = ec2.create_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, UserData=user_data)
    assert instance.id.startswith("i-")
    logged = debug_log.getvalue()
    assert "boto3.resources.action Calling iam:create_login_profile with" in logged
    assert "boto3.resources.action Calling ec2:run_instances with" in logged
    assert SECRET not in logged
    assert "'UserName': 'u'" in logged and "'ImageId': 'ami-12c6146b'" in logged


def _send(call) -> None:
    """Make ``call``; the server's answer (moto's, or its 404 for a service it does not serve) is no concern here, a
    refusal is (it would not have been sent)."""
    try:
        call()
    except safemaker.GuardrailViolation:
        raise
    except Exception:  # noqa: BLE001 - the server's answer
        pass


def _line(logged: str, start: str, operation: str) -> str:
    lines = [line for line in logged.splitlines()
             if line.startswith(start) and (f"name={operation})" in line or operation in line)]
    assert lines, (start, operation)
    return lines[0]


def test_a_guarded_process_masks_a_nested_query_member(safemaker_local, debug_log, profile):
    """Trial 15c F02: botocore's query and ec2 protocols log the parameters flattened ('A.B.1.C': value); a sensitive
    member below a list of structures is masked by its serialized name ending the key (ec2: its locationName
    capitalized), and the members beside it are shown. botocore's models: ec2 SpotFleetLaunchSpecification.UserData
    (SensitiveUserData), ImportImage DiskContainers' Url (SensitiveUrl), rds OptionSetting.Value (SensitiveString)."""
    models = botocore.session.get_session()
    ec2_model, rds_model = models.get_service_model("ec2"), models.get_service_model("rds")
    spec = ec2_model.shape_for("SpotFleetLaunchSpecification").members["UserData"]
    assert spec.metadata.get("sensitive") and spec.serialization.get("name") == "userData"  # ec2: UserData on the wire
    assert ec2_model.shape_for("ImageDiskContainer").members["Url"].metadata.get("sensitive")
    assert rds_model.shape_for("OptionSetting").members["Value"].metadata.get("sensitive")
    safemaker.install_process(profile)
    ec2 = safemaker_local.session.client("ec2", config=ONE)
    rds = safemaker_local.session.client("rds", config=ONE)
    _send(lambda: ec2.request_spot_fleet(SpotFleetRequestConfig={
        "IamFleetRole": "arn:aws:iam::123456789012:role/fleet", "TargetCapacity": 1,
        "LaunchSpecifications": [{"ImageId": "ami-12345678", "UserData": SECRET + "-spot"},
                                 {"ImageId": "ami-87654321", "UserData": SECRET + "-spot2"}]}))
    _send(lambda: ec2.import_image(DiskContainers=[{"Format": "vmdk", "Url": "https://example.com/d?" + SECRET}]))
    _send(lambda: rds.modify_option_group(OptionGroupName="og", OptionsToInclude=[
        {"OptionName": "o", "OptionSettings": [{"Name": "PASSWORD", "Value": SECRET + "-rds"}]}]))
    logged = debug_log.getvalue()
    assert SECRET not in logged and "Hunter3" not in logged
    spot = _line(logged, "botocore.endpoint Making request", "RequestSpotFleet")
    assert "'SpotFleetRequestConfig.LaunchSpecifications.1.UserData': '***'" in spot
    assert "'SpotFleetRequestConfig.LaunchSpecifications.2.UserData': '***'" in spot
    assert "'SpotFleetRequestConfig.LaunchSpecifications.1.ImageId': 'ami-12345678'" in spot  # the rest is shown
    assert "'DiskContainer.1.Url': '***'" in logged and "'DiskContainer.1.Format': 'vmdk'" in logged
    option = _line(logged, "botocore.endpoint Making request", "ModifyOptionGroup")
    assert "'OptionsToInclude.OptionConfiguration.1.OptionSettings.OptionSetting.1.Value': '***'" in option
    assert "'OptionsToInclude.OptionConfiguration.1.OptionSettings.OptionSetting.1.Name': 'PASSWORD'" in option


def test_a_guarded_process_masks_a_cbor_body_with_a_sensitive_member(safemaker_local, debug_log, profile):
    """Trial 15c F03: the smithy-rpc-v2-cbor protocol (EventBridge v2) logs the request body as CBOR bytes, in which
    every string stands in clear; a body holding a member botocore marks sensitive (RotateWebhookCredentials'
    Credential.StaticTokenSecretValue) is masked whole in the log, the line kept, and a body with none
    (DescribeEventBus) is shown. moto has no EventBridge v2: the requests are logged, then answered 404."""
    model = botocore.session.get_session().get_service_model("eventbridgev2")
    assert model.resolved_protocol == "smithy-rpc-v2-cbor"
    rotate = model.operation_model("RotateWebhookCredentials").input_shape
    assert _sensitive_below(rotate) and not _sensitive_below(model.operation_model("DescribeEventBus").input_shape)
    safemaker.install_process(profile)
    client = safemaker_local.session.client("eventbridgev2", config=ONE)
    _send(lambda: client.rotate_webhook_credentials(
        EventSourceArn="arn:aws:events:us-east-1:123456789012:event-source/hook",
        Credential={"StaticTokenSecretValue": SECRET + "-cbor"}))
    _send(lambda: client.describe_event_bus(EventBusArn="arn:aws:events:us-east-1:123456789012:event-bus/shown-bus"))
    logged = debug_log.getvalue()
    assert SECRET not in logged and "Hunter3" not in logged
    assert "'body': b'***'" in _line(logged, "botocore.endpoint Making request", "RotateWebhookCredentials")
    assert "shown-bus" in _line(logged, "botocore.endpoint Making request", "DescribeEventBus")


def test_a_guarded_process_masks_a_sensitive_path_label_and_structure_payload(safemaker_local, debug_log, profile):
    """Trial 15c F04: a sensitive member botocore puts in the request's path (``location: uri``:
    notificationscontacts ActivateEmailContact's ``code``, requestUri '/emailcontacts/{arn}/activate/{code}') is
    masked in every line that shows the path (the request's url_path and url, the canonical request, urllib3's
    request line), the other labels kept; a sensitive structure that is the body (medical-imaging SearchImageSets'
    searchCriteria, the input's payload) is masked whole. moto serves neither: logged, then answered 404."""
    models = botocore.session.get_session()
    activate = models.get_service_model("notificationscontacts").operation_model("ActivateEmailContact")
    code = activate.input_shape.members["code"]
    assert code.metadata.get("sensitive") and code.serialization.get("location") == "uri"
    assert activate.http["requestUri"] == "/emailcontacts/{arn}/activate/{code}"
    search = models.get_service_model("medical-imaging").operation_model("SearchImageSets").input_shape
    assert search.serialization["payload"] == "searchCriteria"
    assert search.members["searchCriteria"].metadata.get("sensitive")
    assert search.members["searchCriteria"].type_name == "structure"
    safemaker.install_process(profile)
    contacts = safemaker_local.session.client("notificationscontacts", config=ONE)
    imaging = safemaker_local.session.client("medical-imaging", config=ONE)
    _send(lambda: contacts.activate_email_contact(
        arn="arn:aws:notifications-contacts::123456789012:emailcontact/shownshownshownshownshown12", code="k7q2zx9"))
    _send(lambda: imaging.search_image_sets(datastoreId="d" * 32, searchCriteria={
        "filters": [{"values": [{"DICOMPatientId": SECRET + "-patient"}], "operator": "EQUAL"}]}))
    logged = debug_log.getvalue()
    assert "k7q2zx9" not in logged and SECRET not in logged
    shown = "emailcontact%2Fshownshownshownshownshown12/activate/***"
    for start in ("botocore.endpoint Making request", "botocore.endpoint Sending http request", "urllib3"):
        assert shown in _line(logged, start, "activate"), start
    assert "emailcontact%252Fshownshownshownshownshown12/activate/***" in logged  # the canonical request's path
    request = _line(logged, "botocore.endpoint Making request", "SearchImageSets")
    assert "'body': b'***'" in request and "'url_path': '/datastore/" + "d" * 32 + "/searchImageSets'" in request


def test_a_request_s_exception_and_its_traceback_show_no_sensitive_path_label(debug_log, profile):
    """Trial 16 F10: botocore logs a request that failed with the exception (``exc_info``: endpoint.py "Exception
    received when sending HTTP request.", httpsession.py, and the legacy retry handler's "retry needed, retryable
    exception caught: %s" with the exception in the message), whose text holds the URL (``EndpointConnectionError:
    Could not connect to the endpoint URL: "..."``): the activation code (ActivateEmailContact ``code``, botocore
    ``sensitive``, ``location: uri``) is masked there as in the request's other lines. A port of 127.0.0.1 where
    nothing listens: connection refused."""
    import socket

    models = botocore.session.get_session()
    code = models.get_service_model("notificationscontacts").operation_model("ActivateEmailContact").input_shape
    assert code.members["code"].metadata.get("sensitive") and code.members["code"].serialization["location"] == "uri"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    safemaker.install_process(profile)
    twice = Config(retries={"mode": "legacy", "total_max_attempts": 2}, connect_timeout=2)
    client = botocore.session.get_session().create_client(
        "notificationscontacts", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}", config=twice,
        aws_access_key_id="testing", aws_secret_access_key="testing")
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        client.activate_email_contact(arn="arn:aws:notifications-contacts::123456789012:emailcontact/abc",
                                      code="k7q2zx9")
    logged = debug_log.getvalue()
    assert "k7q2zx9" not in logged
    assert "Exception received when sending HTTP request." in logged
    assert "retry needed, retryable exception caught" in logged
    assert "Traceback (most recent call last)" in logged
    assert logged.count("EndpointConnectionError: Could not connect to the endpoint URL") >= 2
    assert "emailcontact%2Fabc/activate/***" in logged


PATH_SERVICES = ("notificationscontacts", "chime-sdk-voice", "chime-sdk-identity", "bedrock",
                 "bedrock-agentcore-control", "endusermessaging", "geo-places", "geo-maps", "location", "iot")


def _path_operations() -> list[tuple[str, str]]:
    """The operations of :data:`PATH_SERVICES` with a member botocore marks sensitive in the request's path."""
    found = []
    for service in PATH_SERVICES:
        model = _MODELS.get_service_model(service)
        for name in model.operation_names:
            shape = model.operation_model(name).input_shape
            if shape is not None and any(member.serialization.get("location") == "uri" and
                                         member.metadata.get("sensitive") for member in shape.members.values()):
                found.append((service, name))
    return found


def test_no_sensitive_path_label_is_logged(safemaker_local, debug_log, profile):
    """Every operation of :data:`PATH_SERVICES` with a sensitive member in its ``requestUri`` (botocore: a phone
    number id, an evaluation job identifier, a place id, map tile coordinates, an email contact's activation code...)
    sent under a guarded process with a value in every member: the value is in no line of the request's log
    (url_path, url, canonical request, urllib3's request line), and the path's literal parts are shown."""
    operations = _path_operations()
    assert ("notificationscontacts", "ActivateEmailContact") in operations and len(operations) >= 20
    safemaker.install_process(profile)
    leaked, shown = [], 0
    for service in PATH_SERVICES:
        client = safemaker_local.session.client(service, config=ONE)
        model = client.meta.service_model
        for name in [op for svc, op in operations if svc == service]:
            operation = model.operation_model(name)
            example = Example(name[:6])
            params = example.value(operation.input_shape)
            start = debug_log.tell()
            _send(lambda: client._make_api_call(name, params))
            # what the request logged: moto's error message may repeat a label ("Could not find endpoint <name>"),
            # a free-text member botocore does not mark (see docs/hooks.md)
            logged = re.sub(r"botocore\.parsers Response body:\n.*", "", debug_log.getvalue()[start:])
            literal = operation.http["requestUri"].split("{", 1)[0]
            shown += f"'url_path': '{literal}" in logged and f'"{operation.http["method"]} {literal}' in logged
            leaked += [(name, secret) for secret in example.secrets if secret in logged]
    assert shown == len(operations)
    assert not leaked, leaked[:10]


# ---------------------------------------------------------------- an input or output sensitive whole (trial 16 F04)

@functools.cache
def _whole_shapes() -> list[tuple[str, str, str]]:
    """Every operation of every service of the installed botocore whose input or output shape is itself marked
    sensitive (the trait on the top-level structure: every member is under it), as (service, operation, direction).

    Read from each model's document as botocore's loader reads it for a client (``_shapes.service_model_documents``;
    an operation's ``input`` / ``output`` reference resolved as botocore's ``OperationModel`` resolves it,
    ``_shapes.ref_trait``), once per test process when a test first asks: building botocore's shape objects of all
    445 models took ~5 s of CPU, in every pytest-xdist worker's collection."""
    found = []
    for service, model in service_model_documents(_MODELS.get_available_services()):
        shapes = model["shapes"]
        for name, operation in model.get("operations", {}).items():
            for direction in ("input", "output"):
                ref = operation.get(direction)
                if ref is not None and ref_trait(shapes, ref, "sensitive"):
                    found.append((service, name, direction))
    return found


def _wire(shape, value):
    """``value`` (:class:`Example`'s) as a json / rest-json body writes it: serialized names, base64 blobs,
    epoch timestamps."""
    if value is None:
        return None
    if shape.type_name == "structure":
        if shape.metadata.get("document"):
            return value
        return {member.serialization.get("name", name): _wire(member, value[name])
                for name, member in shape.members.items() if name in value
                and not member.serialization.get("location")}
    if shape.type_name == "list":
        return [_wire(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {key: _wire(shape.value, item) for key, item in value.items()}
    if shape.type_name == "blob":
        return base64.b64encode(value).decode()
    if shape.type_name == "timestamp":
        return value.timestamp()
    return value


class _Answers:
    """A dummy HTTP server on 127.0.0.1 answering every request 200 with :attr:`body` (of :attr:`content_type`)."""

    def __init__(self) -> None:
        import http.server
        import socketserver
        import threading

        answers = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(200)
                self.send_header("content-type", answers.content_type)
                if answers.content_type == "application/cbor":
                    self.send_header("smithy-protocol", "rpc-v2-cbor")
                self.send_header("content-length", str(len(answers.body)))
                self.end_headers()
                self.wfile.write(answers.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

            def log_message(self, *args):
                pass

        self.body, self.content_type = b"{}", "application/json"
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def answers():
    server = _Answers()
    yield server
    server.close()


def test_the_models_have_outputs_sensitive_whole():
    """What the sweep below relies on (botocore 1.44: 23 operations of 7 services, every one an output): DataZone
    GetEnvironmentCredentials (docs/hooks.md names it), Deadline Cloud's role credentials, Comprehend's results."""
    outputs = {(service, name) for service, name, direction in _whole_shapes() if direction == "output"}
    assert {("datazone", "GetEnvironmentCredentials"), ("deadline", "AssumeQueueRoleForUser"),
            ("comprehend", "DetectEntities")} <= outputs
    assert len(outputs) >= 20


def test_no_member_of_an_output_sensitive_whole_is_logged(debug_log, profile, answers):
    """Trial 16 F04: every operation of the installed botocore whose output shape is sensitive whole, called under
    a guarded process through a real client; a server on 127.0.0.1 answers with every output member filled. The
    client gets every value, and botocore's log of the response holds none: the body is masked whole
    ("Response body:\\n***"), as a body that is a sensitive member is."""
    outputs = [(service, name) for service, name, direction in _whole_shapes() if direction == "output"]
    safemaker.install_process(profile)
    session = botocore.session.get_session()
    leaked, answered, masked = [], 0, 0
    for service, name in outputs:
        client = session.create_client(service, region_name="us-east-1", endpoint_url=answers.url, config=ONE)
        operation = client.meta.service_model.operation_model(name)
        protocol = client.meta.service_model.resolved_protocol
        assert protocol in ("json", "rest-json", "smithy-rpc-v2-cbor"), (service, name)  # what is answered below
        example = Example(name[:6])
        value = example.value(operation.output_shape)
        if protocol == "smithy-rpc-v2-cbor":  # botocore's own CBOR encoder
            answers.body, answers.content_type = RpcV2CBORSerializer()._serialize_body_params(
                value, operation.output_shape), "application/cbor"
        else:
            answers.body, answers.content_type = json.dumps(_wire(operation.output_shape, value)).encode(), \
                "application/json"
        params = Example("in").value(operation.input_shape) if operation.input_shape is not None else {}
        start = debug_log.tell()
        result = client._make_api_call(name, params)
        logged = debug_log.getvalue()[start:]
        answered += example.secrets[0] in json.dumps(result, default=str)
        masked += "botocore.parsers Response body:\n***" in logged
        leaked += [(service, name, secret) for secret in example.secrets if secret in logged]
    assert not leaked, leaked[:10]
    assert answered == len(outputs) and masked == len(outputs)


def test_no_input_is_sensitive_whole_in_the_installed_botocore_but_one_would_be_masked(debug_log, profile,
                                                                                      answers, tmp_path):
    """No input shape of the installed botocore is sensitive whole (checked: the list is empty; when one is, it is
    swept here like the outputs). A rest-json service whose input is (a model written for the test, loaded by
    botocore's loader as any other): its request goes through a real client to 127.0.0.1, and no line of the
    request's log (the params with url_path, query string, headers, body; the canonical request; urllib3's
    request line) holds a value of it, while the operation's name and literal path are shown."""
    inputs = [(service, name) for service, name, direction in _whole_shapes() if direction == "input"]
    service_json = {
        "version": "2.0",
        "metadata": {"apiVersion": "2026-12-07", "endpointPrefix": "wholeinput", "protocol": "rest-json",
                     "protocols": ["rest-json"], "serviceFullName": "Whole Input", "serviceId": "Whole Input",
                     "signatureVersion": "v4", "signingName": "wholeinput", "uid": "wholeinput-2026-12-07"},
        "operations": {"PutThing": {"name": "PutThing", "http": {"method": "POST", "requestUri": "/things/{label}"},
                                    "input": {"shape": "PutThingRequest"}, "output": {"shape": "PutThingResponse"}}},
        "shapes": {
            "PutThingRequest": {"type": "structure", "required": ["label"], "sensitive": True, "members": {
                "label": {"shape": "S", "location": "uri", "locationName": "label"},
                "mode": {"shape": "S", "location": "querystring", "locationName": "mode"},
                "hint": {"shape": "S", "location": "header", "locationName": "x-amz-thing-hint"},
                "text": {"shape": "S"}, "nested": {"shape": "N"}}},
            "N": {"type": "structure", "members": {"inner": {"shape": "S"}}},
            "PutThingResponse": {"type": "structure", "members": {}},
            "S": {"type": "string"}}}
    folder = tmp_path / "wholeinput" / "2026-12-07"
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(service_json))
    safemaker.install_process(profile)
    import botocore.loaders

    session = botocore.session.Session()
    session.register_component("data_loader", botocore.loaders.create_loader(str(tmp_path)))
    leaked = []
    for service, name in [*inputs, ("wholeinput", "PutThing")]:
        client = session.create_client(service, region_name="us-east-1", endpoint_url=answers.url, config=ONE)
        operation = client.meta.service_model.operation_model(name)
        example = Example(name[:6])
        params = example.value(operation.input_shape)
        start = debug_log.tell()
        _send(lambda: client._make_api_call(name, params))
        logged = debug_log.getvalue()[start:]
        assert f"Making request for OperationModel(name={name})" in logged
        leaked += [(service, name, secret) for secret in example.secrets if secret in logged]
    assert not leaked, leaked[:10]
    request = _line(debug_log.getvalue(), "botocore.endpoint Making request", "PutThing")
    assert "'url_path': '/things/***'" in request and "'body': b'***'" in request
    assert "'mode': '***'" in request and "'x-amz-thing-hint': '***'" in request
