"""An SSM Automation ``aws:executeScript`` step whose code may call SageMaker cannot be verified (trial 18 F01).

Oracle: AWS Systems Manager User Guide, "aws:executeScript - Run a script"
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html): the step runs
``Script`` (inline) or, with ``Attachment``, "a single script file or .zip file ... that matches the Name of a
document attachment file you specify in the Attachments request parameter" (botocore ``ssm`` CreateDocument /
UpdateDocument ``Attachments``), calling ``Handler`` with ``InputPayload``; document parameters ``{{ Name }}`` are
filled into the inputs when the runbook runs. The code is not read, so a step that runs from an attachment, whose
script is filled from a parameter, whose script names SageMaker, or whose ``InputPayload`` names SageMaker (a
generic script calling ``boto3.client(events["service"])``) is "cannot be verified"; a script that names no
SageMaker anywhere is not (no false refusal). Before, a runbook running its script from an attachment was sent.
"""

from __future__ import annotations

import json

import botocore.session
import pytest

import safemaker
from safemaker.errors import GuardrailViolation

from _profiles import ROLE
from test_iac_cli import profile_file, run_json  # noqa: F401  (profile_file: fixture)

PLAIN = "def handler(events, context):\n    return events\n"
GENERIC = "import boto3\ndef handler(events, context):\n    return getattr(boto3.client(events['service']), events['api'])()\n"

STEPS = {
    "attachment": ({"Runtime": "python3.11", "Handler": "open_notebook.handler", "Attachment": "open.zip"},
                   "Attachment"),
    "script-from-parameter": ({"Runtime": "python3.11", "Handler": "handler", "Script": "{{ Code }}"}, "Script"),
    "script-names-sagemaker": ({"Runtime": "python3.11", "Handler": "handler",
                                "Script": "import boto3\ndef handler(e, c):\n    boto3.client('SageMaker')\n"},
                               "Script"),
    # AWS Tools for PowerShell names SageMaker's cmdlets <Verb>-SM<Noun> (Command Reference:
    # Update-SMNotebookInstanceLifecycleConfig "Calls the Amazon SageMaker Service
    # UpdateNotebookInstanceLifecycleConfig API operation"); PowerShell matches command names in any case
    "powershell-cmdlet": ({"Runtime": "PowerShell 7.4", "Handler": "handler",
                           "Script": "Find-Module -Name AWS.Tools.* | Install-Module -Force\n"
                                     "New-SMNotebookInstance -NotebookInstanceName nb -InstanceType ml.t3.medium "
                                     "-DirectInternetAccess Enabled\n"}, "Script"),
    "powershell-cmdlet-lower-case": ({"Runtime": "PowerShell 7.4", "Handler": "handler",
                                      "Script": "update-smnotebookinstancelifecycleconfig -NotebookInstance"
                                                "LifecycleConfigName c -OnStart $hooks\n"}, "Script"),
    "payload-names-sagemaker": ({"Runtime": "python3.11", "Handler": "handler", "Script": GENERIC,
                                 "InputPayload": {"service": "sagemaker", "api": "create_notebook_instance"}},
                                "InputPayload"),
}


def runbook(inputs):
    return {"schemaVersion": "0.3", "assumeRole": ROLE, "parameters": {"Code": {"type": "String"}},
            "mainSteps": [{"name": "run", "action": "aws:executeScript", "inputs": inputs}]}


def test_the_inputs_are_those_the_ssm_model_and_guide_name():
    model = botocore.session.get_session().get_service_model("ssm")
    for op in ("CreateDocument", "UpdateDocument"):
        members = model.operation_model(op).input_shape.members
        assert "Attachments" in members
        assert set(members["Attachments"].member.members) >= {"Key", "Values", "Name"}


def test_the_cmdlets_name_operations_of_the_sagemaker_model():
    ops = botocore.session.get_session().get_service_model("sagemaker").operation_names
    assert "CreateNotebookInstance" in ops and "UpdateNotebookInstanceLifecycleConfig" in ops
    assert not any(op.lower().endswith("bshare") for op in ops)


@pytest.mark.parametrize("case", sorted(STEPS))
def test_check_reports_an_unread_script_as_unknown(profile_file, tmp_path, case):
    inputs, member = STEPS[case]
    f = tmp_path / "doc.json"
    f.write_text(json.dumps({"Resources": {"Doc": {"Type": "AWS::SSM::Document", "Properties": {
        "DocumentType": "Automation", "Content": runbook(inputs)}}}}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 3
    assert [(x["status"], x["path"]) for x in rows] == [("UNKNOWN", f"Content.mainSteps[0].inputs.{member}")]


@pytest.mark.parametrize("inputs", [
    {"Runtime": "python3.11", "Handler": "handler", "Script": PLAIN},
    {"Runtime": "python3.11", "Handler": "handler", "Script": GENERIC, "InputPayload": {"service": "s3", "api": "x"}},
    {"Runtime": "PowerShell 7.4", "Handler": "handler", "Script": "Get-SmbShare | Out-Null\nGet-S3Bucket\n"},
], ids=["plain", "generic-for-s3", "powershell-other-cmdlets"])
def test_a_script_that_names_no_sagemaker_is_not_refused(profile_file, tmp_path, inputs):
    f = tmp_path / "doc.json"
    f.write_text(json.dumps({"Resources": {"Doc": {"Type": "AWS::SSM::Document", "Properties": {
        "DocumentType": "Automation", "Content": runbook(inputs)}}}}, indent=1))
    r, rows = run_json(profile_file, str(f))
    assert r.exit_code == 0
    assert [x for x in rows if x.get("status") in ("FAIL", "UNKNOWN")] == []


@pytest.mark.parametrize("case", sorted(STEPS))
def test_guarded_create_and_update_document_are_refused(safemaker_local, safemaker_session, profile, case):
    inputs, member = STEPS[case]
    safemaker.install_process(profile)
    ssm = safemaker_session.client("ssm")
    extra = ({"Attachments": [{"Key": "SourceUrl", "Values": ["s3://runbook-scripts/open/"], "Name": "open.zip"}]}
             if member == "Attachment" else {})
    with pytest.raises(GuardrailViolation) as exc:
        ssm.create_document(Name="run", DocumentType="Automation", Content=json.dumps(runbook(inputs)), **extra)
    assert [v.path for v in exc.value.violations] == [f"Content.mainSteps[0].inputs.{member}"]
    assert safemaker_local.request_count("ssm", "CreateDocument") == 0
    ssm.create_document(Name="run", DocumentType="Automation",
                        Content=json.dumps(runbook({"Runtime": "python3.11", "Handler": "handler", "Script": PLAIN})))
    assert safemaker_local.request_count("ssm", "CreateDocument") == 1
    with pytest.raises(GuardrailViolation):
        ssm.update_document(Name="run", DocumentVersion="$LATEST", Content=json.dumps(runbook(inputs)), **extra)
    assert safemaker_local.request_count("ssm", "UpdateDocument") == 0
