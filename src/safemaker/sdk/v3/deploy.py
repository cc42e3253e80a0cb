"""``closed_deploy``: deploy an SDK v3 ModelBuilder, ModelTrainer, TrainingJob or sagemaker-core resource closed (F03)."""

from __future__ import annotations

import inspect
from typing import Any, Mapping

from botocore.exceptions import NoRegionError
from sagemaker.core import resources as _resources
from sagemaker.core import shapes as _shapes
from sagemaker.train.model_trainer import ModelTrainer

from safemaker import guard as _guard
from safemaker.errors import MISSING, GuardrailViolation, Violation
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._refusal import refuse_serverless
from safemaker.sdk.v3.networking import _close_arguments, _given, _networking_values, _unassigned, closed_networking
from safemaker.sdk.v3.session import ClosedNetworkSession, _closed_session
from safemaker.sdk.v3.waiting import wait_for_endpoint

__all__ = ["closed_deploy"]


def _model_builder_class() -> type:
    """``sagemaker.serve.model_builder.ModelBuilder``, imported on first use.

    Importing ``sagemaker.serve`` creates SageMaker and S3 clients at import
    time (``sagemaker.ai_registry.air_hub.AIRHub``) from boto3's default
    session, which fails without a default region.
    """
    import sys

    module = sys.modules.get("sagemaker.serve.model_builder")
    if module is not None:
        return module.ModelBuilder
    try:
        from sagemaker.serve.model_builder import ModelBuilder
    except NoRegionError as exc:
        raise ClosedSessionError(
            "boto3's default region", None,
            "a default region (SDK v3's sagemaker.serve makes a SageMaker client when it is imported)",
            "Create the ClosedNetworkSession with make_default=True (its boto3 session becomes boto3's "
            "default) or set AWS_DEFAULT_REGION",
        ) from exc
    return ModelBuilder


def _serverless_config(config: Any) -> Any:
    """``config`` when it is SDK v3's ``ServerlessInferenceConfig`` (checked by the guard as the
    ``CreateEndpointConfig`` it becomes), else ``None`` (other inference configs are ModelBuilder's)."""
    return config if config is not None and type(config).__name__ == "ServerlessInferenceConfig" else None


def _loaded_model_builder_class() -> type | None:
    import sys

    module = sys.modules.get("sagemaker.serve.model_builder")
    return None if module is None else module.ModelBuilder


def _close_model_builder(builder: Any, profile_arg: Any, where: str) -> ClosedNetworkSession:
    """Put a ModelBuilder on a closed session with isolation, the profile's VpcConfig and role."""
    session = _closed_session(profile_arg, builder.sagemaker_session, where)
    profile = session.profile
    network = builder.network
    given: dict[str, Any] = _networking_values(network, where) if network is not None else {}
    if network is None and isinstance(getattr(builder, "vpc_config", None), (Mapping, _shapes.VpcConfig)):
        given.update(_networking_values(builder.vpc_config, where))
    given.pop("enable_inter_container_traffic_encryption", None)
    closed = closed_networking(given, profile, operation="CreateModel", where=where)
    role = _given(builder.role_arn)
    if isinstance(role, str):
        role = session.expand_role(role)
    checked = _close_arguments("CreateModel", (("role_arn", "ExecutionRoleArn"),), {"role_arn": role}, profile,
                               where)
    builder.sagemaker_session = session
    builder.network = closed
    builder.vpc_config = {"Subnets": list(closed.subnets), "SecurityGroupIds": list(closed.security_group_ids)}
    builder._enable_network_isolation = True
    builder.role_arn = checked["role_arn"] if checked["role_arn"] is not MISSING else profile.execution_role_arn
    builder.region = profile.region
    return session


def _created(resource: Any, arn_field: str) -> bool:
    return not _unassigned(getattr(resource, arn_field, None))


def _existing_endpoint_violations(endpoint_name: str, session: ClosedNetworkSession) -> list[Violation]:
    """An existing endpoint checked with the guard's own rules: endpoint config, then its models."""
    sm = session.sagemaker_client
    out: list[Violation] = []
    endpoint = sm.describe_endpoint(EndpointName=endpoint_name)
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    out += _guard.check_resource("endpoint-config", config, session.profile, operation="closed_deploy",
                                 via=f"endpoint {endpoint_name}")
    for ref in _guard.references("CreateEndpointConfig", config):
        model = sm.describe_model(ModelName=ref.name)
        out += _guard.check_resource("model", model, session.profile, operation="closed_deploy",
                                     via=f"endpoint {endpoint_name} -> {ref.path}")
    return out


def closed_deploy(obj: Any, initial_instance_count: int | None = None, instance_type: str | None = None,
                  **kwargs: Any) -> Any:
    """Deploy an SDK v3 object to an endpoint with network isolation and the profile's VPC (F03).

    Parameters
    ----------
    obj : ModelBuilder, ModelTrainer, TrainingJob, Model, EndpointConfig or Endpoint
        - ``sagemaker.serve.model_builder.ModelBuilder``: put on a
          :class:`ClosedNetworkSession` (a plain session is replaced by a
          closed one on its boto3 session), given network isolation, the
          profile's ``VpcConfig`` (or the allowed one in ``builder.network``)
          and the profile's role, built if it was not, then deployed.
        - a trained ``ModelTrainer`` (e.g. :class:`ClosedModelTrainer`): a
          ``ModelBuilder`` is made from it (``image_uri`` defaults to the
          training image) and deployed as above.
        - a sagemaker-core ``TrainingJob`` (``Completed``): a ``Model`` of its
          artifacts (``model_name`` defaults to the job's name, ``image_uri``
          to its training image), deployed as a ``Model`` below.
        - a sagemaker-core ``Model``: created closed if it does not exist yet
          (``Model(...)`` not ``Model.create(...)``, e.g. a JumpStart-style
          model with a ``ModelDataSource``), then an endpoint config and an
          endpoint are created for it. An existing model is used as it is:
          the guard refuses the endpoint config if the model is not closed.
        - a sagemaker-core ``EndpointConfig``: created if it does not exist,
          then an endpoint for it.
        - a sagemaker-core ``Endpoint``: created if it does not exist; an
          existing one is checked (its endpoint config and models) and returned.
    initial_instance_count : int, optional
        Instances behind the endpoint (default 1).
    instance_type : str, optional
        Instance type (``"ml.m5.large"``); required unless ``obj`` already fixes it.
    **kwargs
        ``profile`` (when ``obj`` has no closed session), ``sagemaker_session``
        (a :class:`ClosedNetworkSession`), ``endpoint_name``, ``model_name``,
        ``endpoint_config_name``, ``wait`` (default True), ``image_uri`` (for
        a trainer or job), and for a ``ModelBuilder`` every other argument of
        its ``deploy``. ``inference_config=ServerlessInferenceConfig(...)`` is
        refused.

    Returns
    -------
    sagemaker.core.resources.Endpoint
        The endpoint (``InService`` when ``wait``).

    Raises
    ------
    GuardrailViolation
        A setting that cannot run closed: ``enable_network_isolation=False`` or
        a VPC outside the profile on the builder or model, a role the profile
        does not list, serverless inference (``SM-UNSUPPORTED``), an existing
        endpoint that is not closed; or the guard refuses a request (an
        existing model that is not closed). Nothing further is created.
    ClosedSessionError
        The object's session cannot be made closed, or two profiles disagree.
    ValueError
        A ``ModelTrainer`` that has not trained, or a missing ``instance_type``.
    TypeError
        ``obj`` is none of the kinds above.

    Examples
    --------
    >>> endpoint = closed_deploy(trainer, 1, "ml.m5.large")              # doctest: +SKIP
    >>> endpoint.invoke(body=b"1,2,3", content_type="text/csv")           # doctest: +SKIP
    """
    where = "closed_deploy()"
    profile_arg = kwargs.pop("profile", None)
    session_arg = kwargs.pop("sagemaker_session", None)
    wait = bool(kwargs.pop("wait", True))
    serverless = _serverless_config(kwargs.get("inference_config"))
    endpoint_name_arg = kwargs.get("endpoint_name")
    count = 1 if initial_instance_count is None else initial_instance_count

    if isinstance(obj, _resources.TrainingJob):
        # Not through ModelBuilder(model=job): sagemaker-serve 1.27 takes every TrainingJob for a
        # model-customization job (it compares fields with the Unassigned class, not an instance).
        artifacts = getattr(obj.model_artifacts, "s3_model_artifacts", None)
        if _unassigned(artifacts):
            raise ValueError(f"{where}: training job {obj.training_job_name!r} has no model artifacts "
                             f"(status {obj.training_job_status}); deploy it once it is Completed")
        image_uri = kwargs.pop("image_uri", None) or obj.algorithm_specification.training_image
        obj = _resources.Model(
            model_name=kwargs.pop("model_name", None) or obj.training_job_name,
            primary_container=_shapes.ContainerDefinition(image=image_uri, model_data_url=artifacts),
        )

    if isinstance(obj, ModelTrainer):
        image_uri = kwargs.pop("image_uri", None)
        if obj._latest_training_job is None:
            raise ValueError(f"{where}: the ModelTrainer has not trained (call train() first)")
        session = _closed_session(profile_arg, session_arg or obj.sagemaker_session, where)
        refuse_serverless(serverless, session.profile, endpoint_config_name=endpoint_name_arg)
        image_uri = image_uri or obj.training_image
        if instance_type is None:
            raise ValueError(f"{where}: instance_type is None; pass the hosting instance type, e.g. 'ml.m5.large'")
        builder = _model_builder_class()(model=obj, image_uri=image_uri, role_arn=session.profile.execution_role_arn,
                               sagemaker_session=session, instance_type=instance_type,
                               network=closed_networking(None, session.profile, operation="CreateModel",
                                                         where=where))
        obj = builder
        profile_arg = None

    builder_class = _loaded_model_builder_class()
    if builder_class is not None and isinstance(obj, builder_class):
        if session_arg is not None:
            obj.sagemaker_session = session_arg
        builder_session = _close_model_builder(obj, profile_arg, where)
        refuse_serverless(serverless, builder_session.profile, endpoint_config_name=endpoint_name_arg)
        model_name = kwargs.pop("model_name", None)
        if getattr(obj, "built_model", None) is None:
            obj.build(model_name=model_name)
        if instance_type is not None:
            obj.instance_type = instance_type
        # wait=False: ModelBuilder's own wait sleeps 30 s first and asks CloudWatch Logs
        # (filter_log_events) before polling, which a closed network may not reach (F06).
        endpoint = obj.deploy(initial_instance_count=count, instance_type=instance_type, wait=False,
                              **{k: v for k, v in kwargs.items() if k != "image_uri"})
        if wait:
            wait_for_endpoint(endpoint, obj.sagemaker_session)
        return endpoint

    if not isinstance(obj, (_resources.Model, _resources.EndpointConfig, _resources.Endpoint)):
        raise TypeError(
            "closed_deploy() takes an SDK v3 ModelBuilder, ModelTrainer, TrainingJob, or a sagemaker-core "
            f"Model, EndpointConfig or Endpoint; got {type(obj).__module__}.{type(obj).__qualname__}"
        )
    session = _closed_session(profile_arg, session_arg, where)
    refuse_serverless(serverless, session.profile, endpoint_config_name=endpoint_name_arg)
    boto, region = session.boto_session, session.boto_region_name
    endpoint_name = kwargs.pop("endpoint_name", None)
    config_name = kwargs.pop("endpoint_config_name", None)
    unknown = set(kwargs)
    if unknown:
        raise TypeError(f"closed_deploy() got unexpected keyword argument(s) {sorted(unknown)} for "
                        f"a sagemaker-core {type(obj).__name__}")

    if isinstance(obj, _resources.Endpoint):
        if _created(obj, "endpoint_arn"):
            violations = _existing_endpoint_violations(obj.endpoint_name, session)
            if violations:
                raise GuardrailViolation("closed_deploy", violations)
            return obj
        endpoint = _resources.Endpoint.create(endpoint_name=obj.endpoint_name,
                                              endpoint_config_name=obj.endpoint_config_name,
                                              session=boto, region=region)
    else:
        if isinstance(obj, _resources.Model):
            model = obj
            if not _created(model, "model_arn"):
                model = _create_closed_model(model, session, where)
            if instance_type is None:
                raise ValueError(f"{where}: instance_type is None; pass the hosting instance type, "
                                 "e.g. 'ml.m5.large'")
            name = config_name or endpoint_name or model.model_name
            config = _resources.EndpointConfig.create(
                endpoint_config_name=name,
                production_variants=[_shapes.ProductionVariant(
                    variant_name="AllTraffic", model_name=model.model_name,
                    initial_instance_count=count, instance_type=instance_type)],
                session=boto, region=region,
            )
        else:
            config = obj
            if not _created(config, "endpoint_config_arn"):
                fields = set(inspect.signature(_resources.EndpointConfig.create).parameters) - {
                    "cls", "session", "region"}
                config = _resources.EndpointConfig.create(
                    **{k: getattr(obj, k) for k in fields if not _unassigned(getattr(obj, k, None))},
                    session=boto, region=region,
                )
        endpoint = _resources.Endpoint.create(endpoint_name=endpoint_name or config.endpoint_config_name,
                                              endpoint_config_name=config.endpoint_config_name,
                                              session=boto, region=region)
    if wait:
        wait_for_endpoint(endpoint, session)
    return endpoint


def _create_closed_model(model: Any, session: ClosedNetworkSession, where: str) -> Any:
    """``Model.create`` for a ``Model(...)`` that does not exist yet, closed (F03)."""
    profile = session.profile
    given = {}
    if not _unassigned(model.vpc_config):
        given.update(_networking_values(model.vpc_config, where))
    if not _unassigned(model.enable_network_isolation):
        given["enable_network_isolation"] = model.enable_network_isolation
    closed = closed_networking(given, profile, operation="CreateModel", where=where)
    role = _given(model.execution_role_arn)
    if isinstance(role, str):
        role = session.expand_role(role)
    checked = _close_arguments("CreateModel", (("execution_role_arn", "ExecutionRoleArn"),),
                               {"execution_role_arn": role}, profile, where)
    args: dict[str, Any] = {
        "model_name": model.model_name,
        "execution_role_arn": checked["execution_role_arn"] if checked["execution_role_arn"] is not MISSING
        else profile.execution_role_arn,
        "vpc_config": _shapes.VpcConfig(subnets=list(closed.subnets),
                                        security_group_ids=list(closed.security_group_ids)),
        "enable_network_isolation": True,
    }
    for name in ("primary_container", "containers", "inference_execution_config"):
        value = getattr(model, name, None)
        if not _unassigned(value):
            args[name] = value
    return _resources.Model.create(**args, session=session.boto_session, region=session.boto_region_name)
