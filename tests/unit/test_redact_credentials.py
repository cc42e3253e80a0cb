"""A credential in a URL that a request carries is never printed (trial 11 F03).

A notebook's ``DefaultCodeRepository`` / ``AdditionalCodeRepositories`` may be
any git URL (botocore: "the URL of a Git repository in Amazon Web Services
CodeCommit or in any other Git repository"), and people write
``https://user:TOKEN@host/repo.git``. RFC 3986 section 3.2.1: "Applications
should not render as clear text any data after the first colon (":")
character found within a userinfo subcomponent unless the data after the colon
is the empty string". A token is also given as the user name alone
(``https://<token>@github.com/...``, GitHub's documented form), so a userinfo
without a colon is masked whole.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from safemaker import guard
from safemaker.cli import app
from safemaker.errors import GuardrailViolation
from safemaker.notebook import redact_url
from safemaker.profile import VpcProfile

TOKEN = "ghp_R3pr0T0kenDoNotPrint0123456789abcd"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
PROFILE = {"region": "us-east-1", "vpc_id": "vpc-0dddddddddddddddd", "subnets": ["subnet-0aaaaaaaaaaaaaaaa"],
           "security_group_ids": ["sg-0bbbbbbbbbbbbbbbb"], "execution_role_arn": ROLE}


@pytest.mark.parametrize(("text", "expected"), [
    (f"https://alice:{TOKEN}@github.com/acme/train.git", "https://alice:***@github.com/acme/train.git"),
    (f"https://{TOKEN}@github.com/acme/train.git", "https://***@github.com/acme/train.git"),
    (f"HTTPS://x-access-token:{TOKEN}@GitHub.com/a.git and ssh://git:{TOKEN}@host:22/r",
     "HTTPS://x-access-token:***@GitHub.com/a.git and ssh://git:***@host:22/r"),
    ("https://alice:@github.com/a.git", "https://alice:***@github.com/a.git"),
    # no userinfo: nothing to mask (an e-mail address, an scp-like git remote, an @ in the path)
    ("mail alice@example.com", "mail alice@example.com"),
    ("git@github.com:acme/train.git", "git@github.com:acme/train.git"),
    ("https://github.com/acme/train.git?ref=@v1", "https://github.com/acme/train.git?ref=@v1"),
])
def test_redact_url_masks_the_userinfo_of_every_url(text, expected):
    assert redact_url(text) == expected


def _refusal(request: dict) -> GuardrailViolation:
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateNotebookInstance", request, VpcProfile.from_mapping(PROFILE, "test", env=False))
    return exc.value


@pytest.mark.parametrize("member", ["DefaultCodeRepository", "AdditionalCodeRepositories"])
def test_a_refusal_never_carries_the_token(member):
    url = f"https://alice:{TOKEN}@github.com/acme/train.git"
    request = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
               member: url if member == "DefaultCodeRepository" else [url]}
    refusal = _refusal(request)
    shown = [v for v in refusal.violations if v.path.startswith(member)]
    assert shown, refusal.violations  # the internet git host is refused...
    assert "github.com" in str(refusal)  # ...and the message still names it
    for text in (str(refusal), repr(refusal.violations), json.dumps([v.as_dict() for v in refusal.violations])):
        assert TOKEN not in text
    assert "alice:***@github.com" in str(refusal)
    assert request[member] == (url if member == "DefaultCodeRepository" else [url])  # the caller's request kept


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_safemaker_check_never_prints_the_token(tmp_path, fmt):
    request = tmp_path / "req.json"
    request.write_text(json.dumps({"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
                                   "DefaultCodeRepository": f"https://alice:{TOKEN}@github.com/acme/train.git"}))
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(PROFILE))
    result = CliRunner().invoke(app, ["check", "CreateNotebookInstance", str(request), "-p", str(profile),
                                      "--format", fmt], env={"COLUMNS": "400"})
    assert result.exit_code != 0, result.output  # refused
    assert "github.com" in result.output
    assert TOKEN not in result.output


# Every member botocore documents as a git repository URL, through create and update operations (the guard
# refuses an internet git host in each; what it shows must not carry the token).
_URL = f"https://alice:{TOKEN}@github.com/acme/train.git"
_REPOSITORY_URLS = {
    "UpdateNotebookInstance": {"NotebookInstanceName": "nb", "DefaultCodeRepository": _URL},
    "CreateSpace": {"DomainId": "d-1", "SpaceName": "s", "SpaceSettings": {
        "JupyterLabAppSettings": {"CodeRepositories": [{"RepositoryUrl": _URL}]}}},
    "CreateUserProfile": {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {
        "JupyterLabAppSettings": {"CodeRepositories": [{"RepositoryUrl": _URL}]}}},
    "CreateCodeRepository": {"CodeRepositoryName": "r", "GitConfig": {"RepositoryUrl": _URL}},
}


@pytest.mark.parametrize("operation", sorted(_REPOSITORY_URLS))
def test_every_repository_url_refusal_masks_the_token(operation):
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply(operation, _REPOSITORY_URLS[operation], VpcProfile.from_mapping(PROFILE, "test", env=False))
    violations = exc.value.violations
    assert any("github.com" in str(v.found) for v in violations), violations
    for text in (str(exc.value), repr(violations), json.dumps([v.as_dict() for v in violations]),
                 repr([v.found for v in violations])):
        assert TOKEN not in text
