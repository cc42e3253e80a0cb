"""The local backend's plain constants, in a module that imports nothing.

:mod:`safemaker.local` exports them without importing boto3 or moto (``safemaker local env`` prints
them, the pytest plugin's defaults name them); :mod:`safemaker.local.backend` and
:mod:`safemaker.local.session` export them as before.
"""

DEFAULT_REGION = "us-east-1"
"""Region of :func:`safemaker.local.local_backend` when none is given."""

FAKE_ACCESS_KEY_ID = "testing"
"""Access key ID of every :class:`safemaker.local.LocalSession` (moto maps it to account ``123456789012``)."""

FAKE_SECRET_ACCESS_KEY = "testing"
"""Secret access key of every :class:`safemaker.local.LocalSession`; never a real secret."""
