"""A CloudFormation ``NoEcho`` parameter's value is never shown: a guarded process's refusal of a template, its
violations and its decision log mask it as ``safemaker check`` does (trial 16 F06), and so does what the template
derives from it (``Fn::Sub``, ``Fn::Join``, ``Fn::Select`` of a list or of ``Fn::Split`` pieces, a stack set's
template, a nested stack's), in both.

Oracle: CloudFormation User Guide, Parameters, ``NoEcho``: "Whether to mask the parameter value to prevent it from
being displayed in the console, command line tools, or API"; docs/hooks.md (a refusal's message never prints a
credential). In-process against the local backend (moto on 127.0.0.1, real botocore CloudFormation clients): the
template is refused (the value is not the profile's) and nothing reaches moto; ``safemaker check`` of the same
template as a file, in every output format.
"""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

import safemaker
from safemaker.cli import app
from safemaker.errors import GuardrailViolation
from safemaker.iac._document import parse_text
from safemaker.iac._no_echo import NO_ECHO_SHOWN, collecting, masked
from safemaker.iac.cloudformation import template_requests

from _profiles import KEY_ARN, REGION, ROLE, SG, SUB_A, VPC

SECRET = "NOECHOSECRET-42"
FOREIGN_KEY = f"arn:aws:kms:{REGION}:999999999999:key/{SECRET}"   # not the profile's key: refused, value shown
HIDDEN_SUBNET = "subnet-0deadbeef5ec12345"                      # not the profile's subnet
CLOSED_NB = {"InstanceType": "ml.t3.medium", "RoleArn": ROLE, "SubnetId": SUB_A, "SecurityGroupIds": [SG],
             "DirectInternetAccess": "Disabled", "RootAccess": "Disabled"}


def _nb(**props):
    return {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {**CLOSED_NB, **props}}


def _hidden(**spec):
    return {"Type": "String", "NoEcho": True, **spec}


def _stack_set(child: dict, **props):
    return {"Type": "AWS::CloudFormation::StackSet",
            "Properties": {"StackSetName": "ss", "PermissionModel": "SELF_MANAGED", "TemplateBody": json.dumps(child),
                           **props}}


# name -> (Parameters, Resources, values given, what must never be shown)
CASES = {
    "Ref, given": ({"K": _hidden()}, {"Nb": _nb(KmsKeyId={"Ref": "K"})}, {"K": FOREIGN_KEY}, SECRET),
    "Ref, Default": ({"K": _hidden(Default=FOREIGN_KEY)}, {"Nb": _nb(KmsKeyId={"Ref": "K"})}, {}, SECRET),
    "Fn::Sub": ({"K": _hidden()}, {"Nb": _nb(KmsKeyId={"Fn::Sub": f"arn:aws:kms:{REGION}:999999999999:key/${{K}}"})},
                {"K": SECRET}, SECRET),
    "Fn::Join": ({"K": _hidden()},
                 {"Nb": _nb(KmsKeyId={"Fn::Join": ["", [f"arn:aws:kms:{REGION}:999999999999:key/", {"Ref": "K"}]]})},
                 {"K": SECRET}, SECRET),
    "Fn::Select of a list": ({"N": {"Type": "CommaDelimitedList", "NoEcho": True}},
                             {"Nb": _nb(SubnetId={"Fn::Select": [1, {"Ref": "N"}]})},
                             {"N": f"{SUB_A},{HIDDEN_SUBNET}"}, HIDDEN_SUBNET),
    "Fn::Select of Fn::Split": ({"B": _hidden()},
                                {"Nb": _nb(SubnetId={"Fn::Select": [0, {"Fn::Split": [":", {"Ref": "B"}]}]})},
                                {"B": f"{HIDDEN_SUBNET}:tail"}, HIDDEN_SUBNET),
    "known at deployment": ({"K": _hidden()}, {"Nb": _nb(KmsKeyId={"Fn::Sub": "${K}-${AWS::StackName}"})},
                            {"K": FOREIGN_KEY}, SECRET),
    "stack set template's own": ({}, {"Ss": _stack_set({"Parameters": {"K": _hidden(Default=FOREIGN_KEY)},
                                                        "Resources": {"Nb": _nb(KmsKeyId={"Ref": "K"})}})},
                                 {}, SECRET),
    "passed to a stack set": ({"K": _hidden()}, {"Ss": _stack_set(
        {"Parameters": {"C": {"Type": "String"}}, "Resources": {"Nb": _nb(KmsKeyId={"Ref": "C"})}},
        Parameters=[{"ParameterKey": "C", "ParameterValue": {"Ref": "K"}}])}, {"K": FOREIGN_KEY}, SECRET),
}


def _template(case):
    params, resources, _, _ = CASES[case]
    return {"Parameters": params, "Resources": resources}


@pytest.fixture
def profile(profile_factory):
    return profile_factory(subnets=[SUB_A], volume_kms_key_id=KEY_ARN)


@pytest.mark.parametrize("operation, extra", [
    ("create_stack", {"StackName": "st"}),
    ("update_stack", {"StackName": "st"}),
    ("create_change_set", {"StackName": "st", "ChangeSetName": "cs"}),
])
@pytest.mark.parametrize("case", list(CASES))
def test_a_guarded_process_refuses_a_template_without_showing_a_no_echo_value(
        safemaker_local, safemaker_session, profile, case, operation, extra):
    log = io.StringIO()
    g = safemaker.install_process(profile, decision_log=log)
    cfn = safemaker_session.client("cloudformation")
    given = CASES[case][2]
    with pytest.raises(GuardrailViolation) as exc:
        getattr(cfn, operation)(TemplateBody=json.dumps(_template(case)), **extra,
                                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()])
    assert safemaker_local.request_count("cloudformation") == 0
    hidden = CASES[case][3]
    shown = [str(exc.value), repr(exc.value.violations), json.dumps([v.as_dict() for v in exc.value.violations]),
             log.getvalue(), json.dumps([d.as_dict() for d in g.decisions])]
    for v in exc.value.violations:
        shown += [v.path, v.message(), str(v.found), str(v.required), v.fix, str(v.required_text)]
    assert not [s for s in shown if hidden in s]
    assert NO_ECHO_SHOWN in str(exc.value)


def test_without_no_echo_the_same_value_is_shown(safemaker_local, safemaker_session, profile):
    """The control: the masking is NoEcho's (the value a refusal names is shown when the parameter is plain)."""
    safemaker.install_process(profile)
    cfn = safemaker_session.client("cloudformation")
    body = {"Parameters": {"K": {"Type": "String"}}, "Resources": {"Nb": _nb(KmsKeyId={"Ref": "K"})}}
    with pytest.raises(GuardrailViolation) as exc:
        cfn.create_stack(StackName="st", TemplateBody=json.dumps(body),
                         Parameters=[{"ParameterKey": "K", "ParameterValue": FOREIGN_KEY}])
    assert [(v.path, v.found) for v in exc.value.violations] == [("TemplateBody:Nb.KmsKeyId", FOREIGN_KEY)]


PROFILE_TOML = f"""
region = "{REGION}"
vpc_id = "{VPC}"
subnets = ["{SUB_A}"]
security_group_ids = ["{SG}"]
execution_role_arn = "{ROLE}"
volume_kms_key_id = "{KEY_ARN}"
"""


@pytest.mark.parametrize("case", list(CASES))
def test_check_of_the_template_does_not_show_it_either(tmp_path, case):
    (tmp_path / "profile.toml").write_text(PROFILE_TOML)
    (tmp_path / "t.json").write_text(json.dumps(_template(case), indent=1))
    args = [a for k, v in CASES[case][2].items() for a in ("--parameter", f"{k}={v}")]
    for fmt in ("text", "json", "sarif"):
        out = CliRunner().invoke(app, ["check", str(tmp_path / "t.json"), "-p", str(tmp_path / "profile.toml"),
                                       "-f", fmt, *args])
        assert out.exit_code == 3, out.stdout
        assert CASES[case][3] not in out.stdout and NO_ECHO_SHOWN in out.stdout


@pytest.mark.parametrize("passed", [False, True], ids=["child's own NoEcho", "parent's NoEcho passed"])
def test_check_of_a_nested_stack_does_not_show_a_no_echo_value(tmp_path, passed):
    """A nested stack (``TemplateURL`` a local file, what ``aws cloudformation package`` uploads): the child's own
    ``NoEcho`` parameter's ``Default``, or the parent's ``NoEcho`` value passed in its ``Parameters``."""
    (tmp_path / "profile.toml").write_text(PROFILE_TOML)
    child = {"Parameters": {"K": _hidden() if not passed else {"Type": "String"}},
             "Resources": {"Nb": _nb(KmsKeyId={"Ref": "K"})}}
    if not passed:
        child["Parameters"]["K"]["Default"] = FOREIGN_KEY
    (tmp_path / "child.json").write_text(json.dumps(child))
    props = {"TemplateURL": "child.json"}
    if passed:
        props["Parameters"] = {"K": {"Ref": "Secret"}}
    parent = {"Parameters": {"Secret": _hidden(Default=FOREIGN_KEY)} if passed else {},
              "Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": props}}}
    (tmp_path / "parent.json").write_text(json.dumps(parent))
    for fmt in ("text", "json", "sarif"):
        out = CliRunner().invoke(app, ["check", str(tmp_path / "parent.json"), "-p", str(tmp_path / "profile.toml"),
                                       "-f", fmt])
        assert out.exit_code == 3, out.stdout
        assert SECRET not in out.stdout and NO_ECHO_SHOWN in out.stdout


def test_what_the_resolver_derives_from_a_no_echo_value_is_collected():
    """``Fn::Split`` pieces holding part of the value, its ``Fn::Base64`` encoding and ``Fn::ToJsonString``
    escaping are hidden with it (``Fn::Sub`` / ``Fn::Join`` hold the value itself)."""
    token = 'tok"en-' + SECRET
    template = {"Parameters": {"T": _hidden()}, "Resources": {"Nb": _nb(Tags=[
        {"Key": "a", "Value": {"Fn::Select": [1, {"Fn::Split": ["-", {"Ref": "T"}]}]}},
        {"Key": "b", "Value": {"Fn::Base64": {"Fn::Sub": "x=${T}"}}},
        {"Key": "c", "Value": {"Fn::ToJsonString": {"k": {"Ref": "T"}}}}])}}
    hidden: set[str] = set()
    with collecting(hidden):
        (request,) = template_requests(parse_text(json.dumps(template), "t.json"), {"T": token})
    tags = {t["Key"]: t["Value"] for t in request.params["Tags"]}
    assert tags["a"] in hidden and tags["b"] in hidden   # a piece of the value; its encoding
    assert SECRET not in masked(tags["c"], hidden) and token not in masked(tags, hidden)
    assert masked({"Value": 12345678, token: [token]}, {"12345678", token}) == {
        "Value": NO_ECHO_SHOWN, NO_ECHO_SHOWN: [NO_ECHO_SHOWN]}


@pytest.mark.parametrize("value", ['NOECHO"SECRET42', "NOECHO\\SECRET42", "NOECHO\u00e9SECRET42", "NOECHO\nSECRET42",
                                   "NOECHOxSECRET42"],
                         ids=["quote", "backslash", "non-ASCII", "newline", "plain"])
def test_a_no_echo_value_in_fn_tojsonstring_is_hidden_in_its_escaped_spelling(
        safemaker_local, safemaker_session, profile, value):
    """Trial 16b F04: ``Fn::ToJsonString`` (``AWS::LanguageExtensions``: "converts an object or array to its
    corresponding JSON string") of a structure holding the value writes it JSON-escaped (RFC 8259: a quote, a
    backslash and a control character are escaped; a non-ASCII one may be), a spelling of the value that is not the
    value: the refusal shows neither."""
    template = {"Transform": "AWS::LanguageExtensions", "Parameters": {"S": _hidden()},
                "Resources": {"Nb": _nb(KmsKeyId={"Fn::ToJsonString": {"k": {"Ref": "S"}}})}}
    safemaker.install_process(profile)
    with pytest.raises(GuardrailViolation) as exc:
        safemaker_session.client("cloudformation").create_stack(
            StackName="st", TemplateBody=json.dumps(template), Parameters=[{"ParameterKey": "S", "ParameterValue": value}])
    assert safemaker_local.request_count("cloudformation") == 0
    shown = [str(exc.value), repr(exc.value.violations), json.dumps([v.as_dict() for v in exc.value.violations])]
    assert not [s for s in shown if "SECRET42" in s], shown
    assert NO_ECHO_SHOWN in str(exc.value)


def _plan(after_sensitive, *, key="after_sensitive", as_state=False):
    """A ``terraform show -json`` plan (or state) of a notebook whose subnet and KMS key are not the profile's."""
    values = {"name": "nb", "instance_type": "ml.t3.medium", "role_arn": ROLE, "subnet_id": HIDDEN_SUBNET,
              "security_groups": [SG], "direct_internet_access": "Disabled", "root_access": "Disabled",
              "kms_key_id": FOREIGN_KEY}
    if as_state:
        return {"format_version": "1.0", "values": {"root_module": {"resources": [{
            "address": "aws_sagemaker_notebook_instance.nb", "mode": "managed",
            "type": "aws_sagemaker_notebook_instance", "name": "nb", "values": values,
            "sensitive_values": after_sensitive}]}}}
    return {"format_version": "1.2", "resource_changes": [{
        "address": "aws_sagemaker_notebook_instance.nb", "mode": "managed", "type": "aws_sagemaker_notebook_instance",
        "name": "nb", "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": {},
                                 key: after_sensitive}}]}


@pytest.mark.parametrize("marks, as_state", [
    ({"subnet_id": True, "kms_key_id": True}, False),
    ({"subnet_id": True, "kms_key_id": True}, True),     # a state's values representation: sensitive_values
])
def test_check_of_a_terraform_plan_does_not_show_a_sensitive_value(tmp_path, marks, as_state):
    """Terraform JSON output format (https://developer.hashicorp.com/terraform/internals/json-format): a change's
    ``after_sensitive`` / a resource's ``sensitive_values`` mark a value sensitive with ``true`` where it stands;
    Terraform prints it as "(sensitive value)". ``check`` refuses the plan and shows it as a NoEcho value (trial 17
    F06); the control without the marks shows both values."""
    (tmp_path / "profile.toml").write_text(PROFILE_TOML)
    for plan, hidden in ((_plan(marks, as_state=as_state), True), (_plan({}, as_state=as_state), False)):
        (tmp_path / "plan.json").write_text(json.dumps(plan))
        for fmt in ("text", "json", "sarif"):
            out = CliRunner().invoke(app, ["check", str(tmp_path / "plan.json"), "-p", str(tmp_path / "profile.toml"),
                                           "-f", fmt])
            assert out.exit_code == 3, out.stdout
            shown = [v for v in (SECRET, HIDDEN_SUBNET) if v in out.stdout]
            assert shown == ([] if hidden else [SECRET, HIDDEN_SUBNET]), (fmt, out.stdout)
            assert (NO_ECHO_SHOWN in out.stdout) is hidden
