"""Notebook instances created through sagemaker-core (SDK v3) on a closed session (F14)."""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from _sdk_v3_support import ROLE, SG, SUBNET_A, v3env  # noqa: E402, F401 (fixture)
from sagemaker.core import resources  # noqa: E402

from safemaker.errors import GuardrailViolation  # noqa: E402

pytestmark = pytest.mark.sdk3


def test_NotebookInstance_create_without_session_goes_out_closed(v3env):
    notebook = resources.NotebookInstance.create(notebook_instance_name="nb-v3", instance_type="ml.t3.medium",
                                                 role_arn=ROLE)  # no session=: the default client
    body = v3env.sent.one("CreateNotebookInstance")
    assert body["DirectInternetAccess"] == "Disabled"
    assert body["SubnetId"] == SUBNET_A
    assert body["SecurityGroupIds"] == [SG]
    assert body["RootAccess"] == "Disabled"
    [decision] = [d for d in v3env.session.guard.decisions if d.operation == "CreateNotebookInstance"]
    assert decision.outcome == "injected"
    assert set(decision.injected) == {"DirectInternetAccess", "SubnetId", "SecurityGroupIds", "RootAccess"}
    assert notebook.direct_internet_access == "Disabled"
    assert notebook.subnet_id == SUBNET_A


def test_NotebookInstance_with_direct_internet_access_is_refused_before_sending(v3env):
    with pytest.raises(GuardrailViolation) as exc:
        resources.NotebookInstance.create(notebook_instance_name="nb-open", instance_type="ml.t3.medium",
                                          role_arn=ROLE, direct_internet_access="Enabled",
                                          session=v3env.session.boto_session, region="us-east-1")
    assert exc.value.operation == "CreateNotebookInstance"
    assert [(v.path, v.found) for v in exc.value.violations] == [("DirectInternetAccess", "Enabled")]
    assert v3env.backend.request_count("sagemaker", "CreateNotebookInstance") == 0
    assert v3env.sent.of("CreateNotebookInstance") == []
