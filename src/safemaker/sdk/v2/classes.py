"""``closed(cls)``: the closed version of any SDK v2 Estimator, Processor or Model class."""

from __future__ import annotations

from sagemaker.estimator import EstimatorBase
from sagemaker.model import Model
from sagemaker.processing import Processor

from safemaker.sdk.v2._base import _CLOSED, _Closed, is_closed
from safemaker.sdk.v2.estimator import _ClosedEstimatorMixin
from safemaker.sdk.v2.model import _ClosedModelMixin
from safemaker.sdk.v2.processor import _ClosedProcessorMixin

__all__ = ["closed", "is_closed"]

def closed(cls: type) -> type:
    """The closed version of a SageMaker SDK v2 Estimator, Processor or Model class.

    One mechanism for every class: the result is a subclass whose
    constructor takes the SDK class's arguments plus ``profile=`` and
    ``sagemaker_session=`` (a :class:`ClosedNetworkSession`, created from
    ``profile`` when absent), fills every network argument the caller left
    out from the profile, and refuses every conflicting one before anything
    is created.

    - Estimators (``Estimator``, ``PyTorch``, ``XGBoost``, ``SKLearn``,
      ``TensorFlow``, ``HuggingFace``, ``LinearLearner``...): ``enable_network_isolation``
      (so script-mode code goes through the ``code`` input channel),
      ``subnets``, ``security_group_ids``, ``encrypt_inter_container_traffic``,
      ``volume_kms_key``, ``output_kms_key``, ``role``. ``create_model()``,
      ``transformer()`` and ``deploy()`` refuse an argument that would open
      the model, and the models they create are closed too (F02).
    - Processors (``Processor``, ``ScriptProcessor``, ``FrameworkProcessor``,
      ``SKLearnProcessor``...): ``network_config`` (isolation, subnets,
      security groups, inter-container traffic encryption),
      ``volume_kms_key``, ``output_kms_key``, ``role``.
    - Models (``Model``, ``PyTorchModel``...): ``enable_network_isolation``,
      ``vpc_config``, ``role``; ``deploy()`` refuses serverless inference and
      applies ``enable_network_isolation`` / ``vpc_config_override``.

    Parameters
    ----------
    cls : type
        A subclass of ``sagemaker.estimator.EstimatorBase``,
        ``sagemaker.processing.Processor`` or ``sagemaker.model.Model``.

    Returns
    -------
    type
        ``Closed<Name>``, a subclass of ``cls`` (the same class for the same
        ``cls``; ``cls`` itself when it is already closed).

    Raises
    ------
    TypeError
        ``cls`` is not a class, or not one of the three kinds.

    Examples
    --------
    >>> from sagemaker.pytorch import PyTorch                         # doctest: +SKIP
    >>> ClosedPyTorch = closed(PyTorch)                               # doctest: +SKIP
    >>> est = ClosedPyTorch(entry_point="train.py", framework_version="2.1",
    ...                     py_version="py310", instance_count=1,
    ...                     instance_type="ml.m5.xlarge", profile="profile.toml")  # doctest: +SKIP
    """
    if not isinstance(cls, type):
        raise TypeError(f"closed() takes a class; got {type(cls).__name__} {cls!r}")
    if issubclass(cls, _Closed):
        return cls
    hit = _CLOSED.get(cls)
    if hit is not None:
        return hit
    if issubclass(cls, EstimatorBase):
        mixin: type = _ClosedEstimatorMixin
    elif issubclass(cls, Processor):
        mixin = _ClosedProcessorMixin
    elif issubclass(cls, Model):
        mixin = _ClosedModelMixin
    else:
        raise TypeError(
            f"closed() takes a SageMaker SDK v2 Estimator, Processor or Model class; got "
            f"{cls.__module__}.{cls.__qualname__}"
        )
    name = f"Closed{cls.__name__}"
    new = type(name, (mixin, cls), {
        "__module__": "safemaker.sdk.v2",  # the public package (see its __init__)
        "__qualname__": name,
        "__doc__": f"{cls.__module__}.{cls.__qualname__}, closed with a VPC profile (see safemaker.sdk.closed).",
        "_safemaker_base": cls,
        "__slots__": (),
    })
    _CLOSED[cls] = new
    return new
