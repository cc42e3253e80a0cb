"""Closed SDK v2 models: the model mixin of :func:`~safemaker.sdk.v2.closed`, and models closed in place."""

from __future__ import annotations

from typing import Any

from sagemaker import vpc_utils
from sagemaker.model import Model

from safemaker.errors import MISSING
from safemaker.profile import VpcProfile
from safemaker.sdk._errors import ClosedSessionError
from safemaker.sdk._refusal import refuse_serverless
from safemaker.sdk.v2._arguments import _Args, _close_arguments, _given
from safemaker.sdk.v2._base import _close_init, _Closed, _open_init
from safemaker.sdk.v2.session import ClosedNetworkSession

_MODEL_FIELDS: tuple[tuple[str, str], ...] = (
    ("enable_network_isolation", "EnableNetworkIsolation"),
    ("vpc_config", "VpcConfig"),
    ("role", "ExecutionRoleArn"),
)
"""Model argument -> CreateModel field (sagemaker.session.Session._create_model_request)."""


class _ClosedModelMixin(_Closed):
    """Makes a ``Model`` subclass closed (see :func:`closed`)."""

    __slots__ = ()

    def __init__(self, *args: Any, profile: Any = None, **kwargs: Any) -> None:
        a, session, where, values = _open_init(self, args, kwargs, profile, [name for name, _ in _MODEL_FIELDS])
        closed_values = _close_arguments("CreateModel", _MODEL_FIELDS, values, session, where)
        _close_init(self, a, session, closed_values)
        a.call(super().__init__)

    def _safemaker_close(self, where: str) -> None:
        _close_model(self, self._safemaker_profile, where)

    def _create_sagemaker_model(self, *args: Any, **kwargs: Any) -> Any:
        # The one place every SDK v2 path (deploy, create, transformer, register's
        # model) goes through before CreateModel: re-check what may have been changed.
        self._safemaker_close(f"{type(self).__name__}.create()")
        return super()._create_sagemaker_model(*args, **kwargs)

    def rehearse(self, payloads: Any, **options: Any) -> Any:
        """Answer ``payloads`` with this model's inference code, locally with no network.

        See :func:`safemaker.rehearsal.sdk.rehearse_model` (same arguments,
        same errors) and docs/rehearsal.md. Nothing is sent to SageMaker.
        """
        from safemaker.rehearsal.sdk import rehearse_model

        return rehearse_model(self, payloads, **options)

    def deploy(self, *args: Any, **kwargs: Any) -> Any:
        """The SDK's ``deploy``, closed.

        Also takes ``enable_network_isolation`` and ``vpc_config_override``
        (which ``sagemaker.model.Model.deploy`` silently ignores): they are
        checked against the profile and set on the model itself.

        Raises
        ------
        GuardrailViolation
            ``serverless_inference_config`` is given (Serverless Inference
            supports neither VpcConfig nor network isolation; rule
            ``SM-UNSUPPORTED``), ``enable_network_isolation=False``, or a
            ``vpc_config_override`` outside the profile. Nothing is created.
        """
        base = type(self)._safemaker_base
        a = _Args(base.deploy, args, kwargs)
        where = f"{type(self).__name__}.deploy()"
        refuse_serverless(a.get("serverless_inference_config"), self._safemaker_profile,
                          model_name=getattr(self, "name", None), endpoint_config_name=a.get("endpoint_name"))
        _apply_deploy_network(self, a.pop("enable_network_isolation"), a.pop("vpc_config_override"),
                              _model_session(self, self._safemaker_profile, where), where)
        self._safemaker_close(where)
        return a.call(super().deploy)


def _model_session(model: Any, profile: VpcProfile, where: str) -> ClosedNetworkSession:
    """The model's closed session (a new one from ``profile`` when it has none)."""
    session = model.sagemaker_session
    if session is None:
        model.sagemaker_session = session = ClosedNetworkSession(profile)
    elif not isinstance(session, ClosedNetworkSession):
        raise ClosedSessionError(
            "sagemaker_session", type(session).__name__, "a ClosedNetworkSession",
            f"Build the model on a ClosedNetworkSession before {where}",
        )
    return session


def _apply_deploy_network(model: Any, iso: Any, vpc: Any, session: ClosedNetworkSession, where: str) -> None:
    """Set deploy()'s ``enable_network_isolation`` / ``vpc_config_override`` on the model itself.

    ``sagemaker.model.Model.deploy`` takes both through ``**kwargs`` and ignores
    them; ``MISSING`` means the caller did not pass it.
    """
    if iso is MISSING and vpc is MISSING:
        return
    values = {"enable_network_isolation": MISSING if iso is None else iso,
              "vpc_config": MISSING if vpc is vpc_utils.VPC_CONFIG_DEFAULT else vpc}
    closed_values = _close_arguments("CreateModel", _MODEL_FIELDS, values, session, where)
    if closed_values["enable_network_isolation"] is not MISSING:
        model._enable_network_isolation = closed_values["enable_network_isolation"]
    if closed_values["vpc_config"] is not MISSING:
        model.vpc_config = closed_values["vpc_config"]


def _close_model(model: Any, profile: VpcProfile, where: str) -> None:
    """Check a model's settings against the profile and set what is absent on the model itself.

    Raises
    ------
    GuardrailViolation
        ``enable_network_isolation`` is False, ``vpc_config`` is outside the
        profile, or ``role`` is not one of the profile's roles.
    ClosedSessionError
        The model's ``sagemaker_session`` is not a :class:`ClosedNetworkSession`.
    """
    session = _model_session(model, profile, where)
    values = {
        "enable_network_isolation": _given(model._enable_network_isolation),
        "vpc_config": _given(model.vpc_config),
        "role": _given(model.role),
    }
    if isinstance(values["role"], str):
        values["role"] = session.expand_role(values["role"])
    closed_values = _close_arguments("CreateModel", _MODEL_FIELDS, values, session, where)
    if closed_values["enable_network_isolation"] is not MISSING:
        model._enable_network_isolation = closed_values["enable_network_isolation"]
    if closed_values["vpc_config"] is not MISSING:
        model.vpc_config = closed_values["vpc_config"]
    role = closed_values["role"]
    model.role = role if role is not MISSING else profile.execution_role_arn


def _adopt_model(model: Any, profile: VpcProfile) -> Any:
    """A model the SDK derived (``create_model``), as an instance of its closed class.

    The SDK's model classes keep all their state in the instance ``__dict__``,
    which the closed instance takes over; the SDK's object is not used again.
    """
    if not isinstance(model, Model) or isinstance(model, _Closed):
        return model
    from safemaker.sdk.v2.classes import closed  # closed() knows this module's mixin

    adopted = object.__new__(closed(type(model)))
    adopted.__dict__.update(model.__dict__)
    adopted._safemaker_profile = profile
    _close_model(adopted, profile, f"{type(model).__name__} from create_model()")
    return adopted
