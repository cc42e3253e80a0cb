"""While a local backend runs, moto's region lists come from one reading of botocore's endpoint data.

``safemaker.local._regions``: moto's modules ask ``boto3.Session().get_available_regions`` with a new
session each time (three times when ``moto.ec2.models`` is imported); the local backend answers those
calls from moto's own session. The answers must be botocore's (the oracle: a session of our own,
asked with boto3's method), calls from other modules must reach boto3 unchanged, and boto3's method
must be back exactly when the backend stops.
"""

from __future__ import annotations

import boto3.session
import pytest

from safemaker.local import _regions, local_backend

pytest.importorskip("moto.server")

PARTITIONS = ("aws", "aws-us-gov", "aws-cn", "aws-iso")


def _moto_module_call(service: str, partition: str) -> list[str]:
    """``Session().get_available_regions`` called from code whose module is a ``moto.`` one, as moto calls it."""
    namespace = {"__name__": "moto.ec2.models.availability_zones_and_regions", "Session": boto3.session.Session}
    exec(compile("def ask(service, partition):\n"
                 "    return Session().get_available_regions(service, partition_name=partition)\n",
                 "<moto-like>", "exec"), namespace)
    return namespace["ask"](service, partition)


def test_boto3_method_is_replaced_only_while_a_backend_runs():
    own = boto3.session.Session.__dict__["get_available_regions"]
    with local_backend():
        assert boto3.session.Session.__dict__["get_available_regions"] is not own
    assert boto3.session.Session.__dict__["get_available_regions"] is own
    _regions.unshare_region_lists()  # a second removal changes nothing
    assert boto3.session.Session.__dict__["get_available_regions"] is own


@pytest.mark.parametrize("service", ["ec2", "sagemaker", "iam", "s3"])
def test_moto_gets_the_regions_a_new_session_reads_from_botocore(service):
    own = boto3.session.Session.__dict__["get_available_regions"]
    expected = {p: own(boto3.session.Session(), service, p) for p in PARTITIONS}
    with local_backend():
        for partition in PARTITIONS:
            assert _moto_module_call(service, partition) == expected[partition], partition


def test_calls_from_other_modules_reach_boto3_with_their_own_session(monkeypatch):
    seen: list[object] = []
    own = boto3.session.Session.__dict__["get_available_regions"]

    def recording(self, service_name, partition_name="aws", allow_non_regional=False):
        seen.append(self)
        return own(self, service_name, partition_name, allow_non_regional)

    monkeypatch.setattr(boto3.session.Session, "get_available_regions", recording)
    with local_backend():
        mine = boto3.session.Session()
        assert mine.get_available_regions("sagemaker") == own(boto3.session.Session(), "sagemaker")
        assert seen == [mine]  # this module's call, on this module's session
        seen.clear()
        _moto_module_call("ec2", "aws")
        from moto.core.base_backend import AccountSpecificBackend

        assert seen == [AccountSpecificBackend.get_session()]
    assert boto3.session.Session.__dict__["get_available_regions"] is recording
