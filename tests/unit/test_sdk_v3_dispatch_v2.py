"""Under SDK v2, the SDK v3 names fail with a message naming the v2 counterpart."""

from __future__ import annotations

import pytest

import safemaker
from safemaker.errors import SdkNotAvailableError

pytestmark = pytest.mark.sdk2


def test_ClosedModelTrainer_under_v2_names_ClosedEstimator():
    with pytest.raises(SdkNotAvailableError) as exc:
        from safemaker import ClosedModelTrainer  # noqa: F401
    assert exc.value.needs == "the SageMaker Python SDK v3 (sagemaker>=3)"
    assert exc.value.fix == "Under SDK v2 use safemaker.sdk.ClosedEstimator instead"
    assert "ClosedEstimator" in str(exc.value)


def test_shared_names_are_the_v2_adapters_under_v2():
    from safemaker.sdk import v2

    assert safemaker.ClosedNetworkSession is v2.ClosedNetworkSession
    assert safemaker.closed_deploy is v2.closed_deploy
