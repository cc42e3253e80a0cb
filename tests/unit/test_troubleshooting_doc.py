"""docs/troubleshooting.md quotes real messages: each still exists in safemaker's source (issue #18)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "troubleshooting.md"


def _quoted() -> list[str]:
    return re.findall(r"^Message: `(.+)`$", PAGE.read_text(), flags=re.M)


def test_every_quoted_message_is_in_the_source():
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "safemaker").rglob("*.py"))
    quoted = _quoted()
    assert len(quoted) >= 12
    missing = [q for q in quoted if q not in source]
    assert missing == []


def test_the_page_covers_the_errors_users_meet():
    text = PAGE.read_text()
    for name in ("GuardrailViolation", "ProfileError", "SM-UNCLASSIFIED", "ReferenceCheckError",
                 "LocalBackendError", "SdkNotAvailableError", "unshare", "cfn-lint", "HTTP 500",
                 "169.254.169.254"):
        assert name in text, name
