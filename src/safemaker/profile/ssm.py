"""The administrator's shared profile in SSM Parameter Store: parameter name rules and the read.

:func:`ssm_name_errors` checks a ``ssm:<name>`` source against SSM's naming
rules before any client is created (botocore checks only that the name is
not empty); :func:`read_ssm_parameter` calls ``GetParameter`` and turns each
failure into a :class:`~safemaker.errors.ProfileError` with its fix.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from safemaker.errors import ProfileError, ProfileFieldError, aws_error

from .fields import PARTITION_RE, PARTITION_WORDS, REGION_RE
from .reporting import Text, source_error

if TYPE_CHECKING:  # pragma: no cover
    import boto3

SSM_PREFIX = "ssm:"
"""Prefix that marks a profile source as an SSM parameter name."""


_SSM_NAME_MAX = 2048
"""Maximum length of GetParameter's ``Name`` (botocore's model checks only the minimum, 1)."""

_SSM_PARAMETER_NAME_MAX = 1011
"""Maximum length of a parameter name, counting an ARN prefix when one is given."""

_SSM_LABEL = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
_SSM_ARN = re.compile(
    rf"arn:{PARTITION_RE}:ssm:{REGION_RE}:[0-9]{{12}}:parameter/(?P<rest>.*)", re.DOTALL
)
_SSM_RESERVED = ("aws", "ssm")


def ssm_name_errors(value: str) -> list[ProfileFieldError]:
    """Every way ``value`` breaks the rules for GetParameter's ``Name``; empty if none.

    ``value`` is a parameter name or ARN, optionally followed by one ``:version``
    or ``:label`` selector. The rules are AWS's, checked here because botocore
    checks only that the name is not empty and SSM would answer a bad name with
    a ``ValidationException`` (or, worse, ``ParameterNotFound``):

    - at most 2048 characters in all (``Name`` in the API reference);
    - only ``a-zA-Z0-9_.-`` and ``/``; a name containing ``/`` starts with ``/``;
    - not prefixed with ``aws`` or ``ssm``, in any case, with or without the
      leading ``/`` (reserved: no profile can be stored there);
    - at most 1011 characters, counting the ARN prefix when an ARN is given;
    - an ARN has the form ``arn:<partition>:ssm:<region>:<account>:parameter/<name>``;
    - a selector is a version number or a label: 1 to 100 of ``a-zA-Z0-9_.-``,
      not starting with a digit, ``aws`` or ``ssm``.

    The hierarchy depth limit (15 levels) is not checked: reading a deeper name
    gets ``ParameterNotFound``, which is reported with its own fix.

    References
    ----------
    AWS Systems Manager API Reference, GetParameter and PutParameter, ``Name``:
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html,
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html;
    User Guide, "Understanding parameter name requirements and constraints":
    https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html;
    "Working with parameter labels":
    https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-labels.html.
    """
    problems: list[str] = []

    def shown() -> Any:
        return Text(f"a name of {len(value)} characters") if len(value) > 200 else value

    if len(value) > _SSM_NAME_MAX:
        return [
            ProfileFieldError(
                "(source)",
                shown(),
                f"an SSM parameter name of at most {_SSM_NAME_MAX} characters "
                "(GetParameter Name): check what was passed after 'ssm:'",
            )
        ]
    arn = _SSM_ARN.fullmatch(value)
    if value.startswith("arn:") and arn is None:
        return [
            ProfileFieldError(
                "(source)",
                shown(),
                "an SSM parameter ARN of the form "
                "arn:<partition>:ssm:<region>:<12-digit account>:parameter/<name> "
                f"(partition {PARTITION_WORDS}), or a parameter name",
            )
        ]
    rest = arn.group("rest") if arn is not None else value
    name, colon, selector = rest.partition(":")
    if arn is not None and "/" in name:
        name = "/" + name  # parameter/a/b is the ARN of /a/b
    length = len(value) - len(colon + selector)
    bad = sorted(set(re.sub(r"[A-Za-z0-9_.\-/]", "", name)))
    if not name:
        problems.append("a parameter name after 'ssm:' (or after 'parameter/' in an ARN)")
    elif bad:
        problems.append(
            "an SSM parameter name of only letters, digits and _ . - / (found "
            + ", ".join(map(repr, bad))
            + "): fix the name or its quoting"
        )
    if name and not bad and "/" in name and not name.startswith("/"):
        problems.append(
            f"a hierarchical SSM parameter name that starts with '/' (fully qualified): '/{name}'"
        )
    if name.lstrip("/").lower().startswith(_SSM_RESERVED):
        problems.append(
            "an SSM parameter name that does not start with 'aws' or 'ssm' in any case "
            "('/aws/...' too): those prefixes are reserved by AWS, so no profile can be "
            "stored there; publish the profile under another name such as /safemaker/profile"
        )
    if length > _SSM_PARAMETER_NAME_MAX:
        counted = "the ARN" if value.startswith("arn:") else "the name"
        problems.append(
            f"an SSM parameter name of at most {_SSM_PARAMETER_NAME_MAX} characters, "
            f"counting the ARN prefix arn:<partition>:ssm:<region>:<account>:parameter/ "
            f"({counted} has {length})"
        )
    if colon:
        if ":" in selector:
            problems.append(
                "at most one ':' selector after the name: <name>:<version> or <name>:<label>"
            )
        elif not selector.isdigit() and not (
            _SSM_LABEL.fullmatch(selector)
            and not selector[0].isdigit()
            and not selector.lower().startswith(_SSM_RESERVED)
        ):
            problems.append(
                "a selector after ':' that is a version number or a label (1 to 100 of "
                f"letters, digits and _ . -, not starting with a digit, 'aws' or 'ssm'); "
                f"found {selector!r}"
            )
    return [ProfileFieldError("(source)", shown(), problem) for problem in problems]


def read_ssm_parameter(
    name: str, *, boto3_session: "boto3.Session | None" = None, ssm_client: Any = None
) -> str:
    """The value of SSM parameter ``name`` (``GetParameter`` with ``WithDecryption=True``).

    Parameters
    ----------
    name : str
        Parameter name or ARN, optionally with a ``:<version>`` / ``:<label>``
        selector; checked with :func:`ssm_name_errors` before any client exists.
    boto3_session : boto3.Session, optional
        Used to create the SSM client when ``ssm_client`` is None; else ``boto3.Session()``.
    ssm_client : botocore client, optional
        SSM client to use.

    Returns
    -------
    str
        The parameter's value (``""`` when the answer has none).

    Raises
    ------
    safemaker.errors.ProfileError
        An empty or malformed name (before any request), ``ParameterNotFound`` /
        ``ParameterVersionNotFound``, access denied, any other AWS or connection
        error (by error code / class only). ``source`` is ``"ssm:<name>"``.

    References
    ----------
    AWS Systems Manager API Reference, GetParameter:
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
    """
    source = f"{SSM_PREFIX}{name}"
    if not name:
        raise source_error(
            source, "(source)", Text("an empty parameter name"), "'ssm:<parameter name>'"
        )
    # Before any client exists or any request is sent: botocore checks only min length.
    name_errors = ssm_name_errors(name)
    if name_errors:
        raise ProfileError(source, name_errors)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if ssm_client is None:
            if boto3_session is None:
                import boto3

                boto3_session = boto3.Session()
            ssm_client = boto3_session.client("ssm")
        response = ssm_client.get_parameter(Name=name, WithDecryption=True)
    except ClientError as exc:
        code, _ = aws_error(exc)
        if code in ("ParameterNotFound", "ParameterVersionNotFound"):
            expected = (
                f"an existing SSM parameter named {name!r} in this account and region: "
                "ask the administrator to publish the shared profile (aws ssm "
                f"put-parameter --name {name} --type SecureString "
                "--value file://profile.json) or fix the name"
            )
            raise source_error(source, "(source)", Text(code), expected) from None
        if code in ("AccessDeniedException", "AccessDenied"):
            expected = (
                "permission for ssm:GetParameter on the parameter "
                "(and kms:Decrypt on its key for a SecureString)"
            )
            raise source_error(source, "(source)", Text(code), expected) from None
        raise source_error(
            source,
            "(source)",
            Text(f"GetParameter failed with {code}"),
            "a readable SSM parameter",
        ) from None
    except BotoCoreError as exc:
        raise source_error(
            source,
            "(source)",
            Text(f"GetParameter failed ({type(exc).__name__})"),
            "a reachable SSM endpoint (com.amazonaws.<region>.ssm in a closed network), "
            "a region and credentials",
        ) from None
    return response.get("Parameter", {}).get("Value", "")
