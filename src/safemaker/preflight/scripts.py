"""Lines of a lifecycle configuration script that fetch from the internet.

Notebook instance lifecycle configurations (``OnCreate`` / ``OnStart``
``Content``) and Studio lifecycle configurations
(``StudioLifecycleConfigContent``) are base64-encoded shell scripts that run
when the notebook or app starts. A script is free text, so these findings are
warnings, each naming the line: ``pip install`` from the public index,
``conda``/``mamba install`` from public channels, ``curl``/``wget`` of a
non-AWS host, ``git clone`` of a non-CodeCommit URL, ``apt-get install``.
A script that logs pip in to AWS CodeArtifact (``aws codeartifact login``, or
``pip config set global.index-url`` to a CodeArtifact URL) makes its
``pip install`` lines pass.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ._net import is_aws_host, is_codeartifact_host, is_codecommit_host, url_host

__all__ = ["ScriptFinding", "scan_script", "decode_content"]

_URL = re.compile(r"""(?:git\+)?(?:https?|ftp|git|ssh)://[^\s'"<>|;)]+|[\w.-]+@[\w.-]+\.[a-z]{2,}:[^\s'"]+""",
                  re.IGNORECASE)
_PIP = re.compile(r"(^|[\s;&|(])(pip3?|python[0-9.]*\s+-m\s+pip|uv\s+pip)\s+install\b")
_CONDA = re.compile(r"(^|[\s;&|(])(conda|mamba|micromamba)\s+(install|create|env\s+create|update)\b")
_FETCH = re.compile(r"(^|[\s;&|(])(curl|wget)\b")
_GIT = re.compile(r"(^|[\s;&|(])git\s+(clone|fetch|pull|submodule)\b")
_APT = re.compile(r"(^|[\s;&|(])(apt-get|apt)\s+(install|update|upgrade)\b")
_CA_LOGIN = re.compile(r"codeartifact\s+login|pip3?\s+config\s+set\s+global\.index-url\s+\S*\.codeartifact\.")


@dataclass(frozen=True)
class ScriptFinding:
    """One line of a script that would reach the internet.

    Attributes
    ----------
    line_no : int
        1-based line number in the decoded script.
    line : str
        The line (stripped).
    reason : str
        What it would reach, in words.
    """

    line_no: int
    line: str
    reason: str


def decode_content(content: object) -> str | None:
    """The script text of a base64 ``Content``; ``None`` when it is not base64 of UTF-8 text."""
    if not isinstance(content, (str, bytes)):
        return None
    try:
        raw = base64.b64decode(content, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _non_aws_urls(line: str) -> list[str]:
    out = []
    for url in _URL.findall(line):
        host = url_host(url)
        if host is not None and not is_aws_host(host):
            out.append(host)
    return out


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Shell lines with ``\\``-continuations joined: ``(first line number, stripped text)``."""
    out: list[tuple[int, str]] = []
    parts: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), start=1):
        if not parts:
            start = no
        if raw.rstrip().endswith("\\"):
            parts.append(raw.rstrip()[:-1].strip())
            continue
        parts.append(raw.strip())
        out.append((start, " ".join(p for p in parts if p)))
        parts = []
    if parts:
        out.append((start, " ".join(p for p in parts if p)))
    return out


def scan_script(text: str) -> list[ScriptFinding]:
    """Every line of a shell script that fetches from the internet.

    Parameters
    ----------
    text : str
        The decoded script.

    Returns
    -------
    list[ScriptFinding]
        In line order; empty when nothing reaches past AWS hosts.
    """
    codeartifact = bool(_CA_LOGIN.search(text))
    out: list[ScriptFinding] = []
    for no, line in _logical_lines(text):
        if not line or line.startswith("#"):
            continue
        if _PIP.search(line):
            if "--no-index" in line:
                pass
            elif any(is_codeartifact_host(url_host(u) or "") for u in _URL.findall(line)) or codeartifact:
                pass
            else:
                out.append(ScriptFinding(no, line, "pip install from the public package index (pypi.org)"))
            continue
        if _CONDA.search(line):
            if "--offline" not in line and "--use-local" not in line:
                out.append(ScriptFinding(no, line, "conda install from public channels (repo.anaconda.com, "
                                                   "conda.anaconda.org)"))
            continue
        if _GIT.search(line):
            hosts = [h for u in _URL.findall(line) if (h := url_host(u)) and not is_codecommit_host(h)]
            if hosts:
                out.append(ScriptFinding(no, line, f"git from {hosts[0]}, not AWS CodeCommit"))
            continue
        if _FETCH.search(line):
            hosts = _non_aws_urls(line)
            if hosts:
                out.append(ScriptFinding(no, line, f"download from {hosts[0]}, on the internet"))
            continue
        if _APT.search(line):
            out.append(ScriptFinding(no, line, "apt package repositories on the internet"))
    return out
