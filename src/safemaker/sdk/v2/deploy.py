"""``closed_deploy``: deploy an SDK v2 estimator or model with network isolation and the profile's VPC."""

from __future__ import annotations

from typing import Any

from sagemaker import vpc_utils
from sagemaker.estimator import EstimatorBase
from sagemaker.model import Model

from safemaker.errors import MISSING
from safemaker.sdk._refusal import refuse_serverless
from safemaker.sdk.v2._arguments import _close_arguments, _closed_session
from safemaker.sdk.v2.estimator import _DERIVED_MODEL_FIELDS
from safemaker.sdk.v2.model import _apply_deploy_network, _close_model
from safemaker.sdk.v2.session import ClosedNetworkSession

__all__ = ["closed_deploy"]

def closed_deploy(estimator_or_model: Any, initial_instance_count: int | None = None,
                  instance_type: str | None = None, **kwargs: Any) -> Any:
    """Deploy an estimator or a model to an endpoint with network isolation and the profile's VPC.

    Parameters
    ----------
    estimator_or_model : sagemaker.estimator.EstimatorBase or sagemaker.model.Model
        A trained estimator, or a model, built on a :class:`ClosedNetworkSession`
        (a model without a session gets one from ``profile=``).
    initial_instance_count : int
        Number of instances behind the endpoint.
    instance_type : str
        Instance type (``"ml.m5.large"``).
    **kwargs
        Every other argument of the SDK's ``deploy`` (``endpoint_name``,
        ``serializer``, ``wait``...), plus ``profile`` (for a model with no
        session), ``enable_network_isolation`` (must be ``True`` or absent)
        and ``vpc_config_override`` (absent: the profile's ``VpcConfig``;
        given: inside the profile). ``Model.deploy`` ignores these two, so
        they are set on the model itself.

    Returns
    -------
    sagemaker.predictor.Predictor or None
        What the SDK's ``deploy`` returns.

    Raises
    ------
    GuardrailViolation
        A setting that cannot run closed, with the reason:
        ``serverless_inference_config`` (Serverless Inference supports neither
        VpcConfig nor network isolation; rule ``SM-UNSUPPORTED``),
        ``enable_network_isolation=False``, a ``vpc_config_override`` outside
        the profile or ``None``. Nothing is created.
    ClosedSessionError
        The estimator or model is not built on a :class:`ClosedNetworkSession`.
    TypeError
        ``estimator_or_model`` is neither an estimator nor a model.

    Notes
    -----
    Waiting uses the session's :attr:`ClosedNetworkSession.poll` (short on the
    local backend) and no CloudWatch Logs. On the local backend no container
    runs: the endpoint goes to ``InService`` and answers what the backend is
    told to answer. See https://sagemaker.readthedocs.io/en/v2.257.0/api/inference/model.html

    Examples
    --------
    >>> predictor = closed_deploy(estimator, 1, "ml.m5.large")      # doctest: +SKIP
    """
    profile_arg = kwargs.pop("profile", None)
    iso = kwargs.pop("enable_network_isolation", MISSING)
    vpc = kwargs.pop("vpc_config_override", MISSING)
    serverless = kwargs.get("serverless_inference_config")
    if isinstance(estimator_or_model, EstimatorBase):
        session = _closed_session(profile_arg, estimator_or_model.sagemaker_session, "closed_deploy()")
        refuse_serverless(serverless, session.profile, endpoint_config_name=kwargs.get("endpoint_name"))
        values = {"enable_network_isolation": MISSING if iso is None else iso,
                  "vpc_config_override": MISSING if vpc is vpc_utils.VPC_CONFIG_DEFAULT else vpc}
        closed_values = _close_arguments("CreateModel", _DERIVED_MODEL_FIELDS, values, session,
                                         "closed_deploy()")
        isolation = closed_values["enable_network_isolation"]
        return estimator_or_model.deploy(
            initial_instance_count=initial_instance_count, instance_type=instance_type,
            enable_network_isolation=True if isolation is MISSING else isolation,
            vpc_config_override=closed_values["vpc_config_override"],
            **kwargs,
        )
    if isinstance(estimator_or_model, Model):
        model = estimator_or_model
        session = model.sagemaker_session
        if session is None:
            session = model.sagemaker_session = ClosedNetworkSession(profile_arg)
        session = _closed_session(profile_arg, session, "closed_deploy()")
        refuse_serverless(serverless, session.profile, model_name=model.name,
                          endpoint_config_name=kwargs.get("endpoint_name"))
        _apply_deploy_network(model, iso, vpc, session, "closed_deploy()")
        _close_model(model, session.profile, "closed_deploy()")
        return model.deploy(initial_instance_count=initial_instance_count, instance_type=instance_type,
                            **kwargs)
    raise TypeError(
        "closed_deploy() takes a SageMaker SDK v2 estimator or model; got "
        f"{type(estimator_or_model).__module__}.{type(estimator_or_model).__qualname__}"
    )
