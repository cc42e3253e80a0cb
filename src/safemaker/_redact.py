"""Keep credentials out of logs and output: presigned URL tokens, URL userinfo, secrets in free text.

botocore logs request headers and response bodies at DEBUG (``botocore.endpoint``,
``botocore.parsers``), so a process that turns DEBUG on and calls
``CreatePresignedNotebookInstanceUrl``, ``CreatePresignedDomainUrl`` (Studio,
Canvas), ``CreatePresignedMlflowTrackingServerUrl`` ... would log the URL's token,
and every request logs its ``X-Amz-Security-Token`` header.
:func:`install_log_redaction` puts a filter on botocore's, boto3's, urllib3's and
safemaker's loggers, and on those of the libraries that log the requests they build
(:data:`_LIBRARY_SERVICES`: s3transfer, s3fs, the SageMaker SDK), that masks them; the
guard installs it with itself, and the notebook helpers use it too.

What is masked is decided by what a value *is*, not by a list of the URLs seen so far
(:func:`redact_text`, one place for every output):

- a URL query parameter whose name says it carries a credential: any name holding
  ``token``, ``signature``, ``credential``, ``secret``, ``password``/``passwd``,
  ``apikey``/``api_key``, ``accesskey``/``access_key``, ``privatekey``, or named
  ``sig``, ``AWSAccessKeyId``, ``code`` (an OAuth authorization code), ``key`` (Google's API keys:
  "pass it as key=API_KEY"; also ``...-key`` / ``..._key``: ``subscription-key``), ``auth`` or ``pwd`` --
  case-insensitively, also percent-encoded inside another URL. That covers
  SigV4 (``X-Amz-Signature``, ``X-Amz-Credential``, ``X-Amz-Security-Token``: Amazon
  S3 API Reference, "Authenticating Requests: Using Query Parameters"), SigV2
  (``Signature``, ``AWSAccessKeyId``, ``x-amz-security-token``: "Query String
  Request Authentication Alternative"), Studio's and Canvas's ``/auth?token=``
  (SageMaker Developer Guide, "Connect to Studio through an interface VPC
  endpoint"), the notebook's and MLflow's ``authToken``, OAuth ``access_token``;
- a URL's userinfo (RFC 3986 section 3.2.1: "Applications should not render as clear
  text any data after the first colon"): the password, or the whole userinfo when
  there is no colon (a token given as the user name, ``https://<token>@github.com``);
- a URL whose path is the credential, by the service's documentation: Slack incoming webhooks
  (``hooks.slack.com/services/T.../B.../***``: "Your webhook URL contains a secret"), Discord
  (``/api/webhooks/<id>/***``), Microsoft Teams (``.webhook.office.com/webhookb2/***``), Zapier catch hooks,
  IFTTT (``/with/key/***``), Telegram's Bot API (``/bot***/``), Mattermost (``/hooks/***``);
- the credentials of an ``Authorization`` / ``Proxy-Authorization`` header, the
  scheme kept (``Authorization: Bearer ***``; RFC 6750 section 2.1, RFC 7617);
- the cookies of a ``Cookie`` / ``Set-Cookie`` header (RFC 6265: a session cookie is a bearer credential), all of
  them (``Cookie: ***``), and curl's ``-b`` / ``--cookie`` data;
- in a curl command, the options whose value is a credential by curl(1), also in a cluster of short options
  (``-sSb data``, ``-su user:password``, ``-sbdata``): ``-b``/``--cookie`` data, the password of
  ``-u``/``--user``, ``-U``/``--proxy-user``, ``-E``/``--cert``, ``--proxy-cert`` and of ``-x``/``--proxy``'s
  ``user:password@``;
- the password of ``-u``/``--user``/``--proxy-user user:password`` (curl), of a
  ``.netrc`` line (``login NAME password ***``) and the value of ``set NAME VALUE``
  when NAME says it holds a secret (``aws configure set aws_secret_access_key ***``);
- the value of an assignment, a header, a mapping key or a ``--option`` whose name
  says it holds a secret (``HF_TOKEN=``, ``AWS_SECRET_ACCESS_KEY=``,
  ``AWS_SESSION_TOKEN=``, ``DB_PASSWORD:``, ``'SessionToken': '...'``,
  ``X-Auth-Token: ...``, ``--hf-token ...``, ``DB_PASS=``, ``MYSQL_PWD=``, ``PASSPHRASE=``,
  ``AccountKey=`` of an Azure Storage connection string, ``--oauth2-bearer ...``, openssl's
  ``pass:...``), also when the JSON holding it is itself carried as a JSON string, at any depth
  (``\\"HF_TOKEN\\": \\"...\\"``: a Batch ``serviceRequestPayload``, a Step Functions
  definition, a Scheduler ``Input`` in botocore's DEBUG log), unless the name says it holds no
  secret itself (``...Arn``, ``...Id``, ``...Name``, ``...File``, ``...Url``,
  ``...Type``, ``...Expiration`` ...) or the value is a ``$VARIABLE`` reference;
- the password of the options that take one by their command's documentation: ``docker login -p``
  (also podman, nerdctl, buildah, skopeo), ``sshpass -p``, the MySQL/MariaDB clients' ``-pPASSWORD``,
  ``openssl ... -k``, and npm's per-registry ``:_authToken``, ``:_auth``, ``:_password`` (npm docs, "npmrc");
- JSON Web Tokens (RFC 7519: ``eyJ...`` header, ``.eyJ...`` payload, signature; a JWE's five parts,
  RFC 7516), ``eyJ`` kept;
- values in a provider's documented token format wherever they stand: AWS access
  key IDs (``AKIA``/``ASIA``/``ABIA``/``ACCA`` + 16: IAM User Guide, "Unique
  identifiers"), GitHub tokens (``ghp_ gho_ ghu_ ghs_ ghr_``, ``github_pat_``),
  Hugging Face ``hf_`` tokens, Slack ``xox?-`` tokens, GitLab ``glpat-`` tokens, PyPI
  ``pypi-AgE...`` tokens, Google API keys (``AIza...``), Stripe ``sk_live_`` / ``rk_test_`` ... keys, npm
  ``npm_`` tokens,
  and PEM private key blocks. The prefix is kept (``ghp_***``) so that the line can
  still be found.

In botocore's log lines that carry an operation's request or response (:class:`RedactingFilter`), the value of every
member the operation's model marks ``sensitive`` (the shape trait: SSM's ``PSParameterValue``, Secrets Manager's
``SecretStringType``...) is masked too, whatever its name (:func:`_sensitive_pattern`): a JSON key, an XML element,
a header, a query parameter, a query / ec2 protocol's flattened key ending in its name, a label of the request's path
(``requestUri``); a body that is such a member, a CBOR body holding one, or the body of an input or output shape
marked sensitive itself, is masked whole. The lines of s3transfer, s3fs and the SageMaker SDK name no operation: the
members marked sensitive in any operation of their service are masked there (:func:`_library_pattern`).

A quoted value is masked to its real end, whatever escapes it holds (``_QUOTED_VALUE``).

:func:`redact_value` also masks a mapping's value whose key names a secret (``{"HF_TOKEN": "..."}``).
Every :class:`safemaker.errors.Violation` masks what it carries with
:func:`redact_value`, so a refusal's message, a ``PreflightWarning``,
``safemaker check``, the decision log, the audit and SARIF never print a secret; the
request itself is not changed. Masking runs only when a violation is made or a record
is logged, never on a request that passes.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable

__all__ = ["REDACTED", "redact_url", "redact_text", "redact_value", "may_hold_secret", "is_secret_name",
           "RedactingFilter", "install_log_redaction"]

REDACTED = "***"


class _Lazy:
    """A regular expression compiled on first use: importing safemaker compiles none (import time)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> object:  # only until compiled: then search/sub are instance attributes
        compiled = re.compile(*self._args)
        self.search, self.sub = compiled.search, compiled.sub
        return getattr(compiled, name)


#: A ``<word>_KEY`` / ``<word>-key`` ending a name is a secret name (trial 14 F03: Kaggle's ``KAGGLE_KEY``, Azure's
#: ``AZURE_STORAGE_KEY``, Airflow's ``FERNET_KEY``, ``OPENAI_KEY``, ``WANDB_KEY``), unless the word before names a key
#: that is no secret: a KMS key's ID or ARN (``volume_kms_key``, ``--kms-key``), a public key or key fingerprint
#: (``PUBLIC_KEY``, ``HOST_KEY``, Docker images' ``GPG_KEY``), an object key (``S3_KEY``, ``OBJECT_KEY``) or a data
#: structure's key (``PARTITION_KEY``, ``SORT_KEY``, ``CACHE_KEY``, ``TAG_KEY``, IAM's ``CONDITION_KEY``...).
_VENDOR_KEY = ("(?<=[a-z0-9])" + "".join(f"(?<!{w})" for w in (
    "kms", "cmk", "public", "pub", "host", "gpg", "pgp", "object", "s3", "partition", "sort", "hash", "range",
    "primary", "foreign", "cache", "idempotency", "dedup", "deduplication", "tag", "label", "row", "group", "lookup",
    "map", "dict", "index", "field", "attribute", "dimension", "metric", "condition", "context", "registry",
    "model", "input", "output", "target", "prefix", "bucket", "routing", "shard", "file", "path"))
               + r"[-_]key(?![a-z0-9])")
#: A name (of a URL parameter, a variable, a header, a key, an option) that says it holds a credential.
# pass (a word of its own: DB_PASS, openssl's pass:), *_PWD (MYSQL_PWD; not the shell's PWD), passphrase,
# bearer (curl --oauth2-bearer), Azure Storage's AccountKey, a key named for what it keys and ending the name
# (aws s3 cp --sse-c-key, S3's SSECustomerKey, ENCRYPTION_KEY, LICENSE_KEY, HMAC_KEY; not CustomerMasterKeySpec), and
# any other <word>_KEY ending the name but those of _VENDOR_KEY.
_SECRET_WORD = (r"(?:token|signature|credential|secret|passw(?:or)?d|passphrase|api[-_]?key|access[-_]?key"
                r"|private[-_]?key|account[-_]?key|subscription[-_]?key|functions[-_]?key|bearer"
                r"|(?:sse[-_]?c|customer|encryption|license|master|signing|hmac|shared|client|app|auth)[-_]?key"
                r"(?![a-z0-9])|" + _VENDOR_KEY +
                r"|(?<![a-z0-9])pass(?![a-z0-9])|(?<=[_.-])(?:pwd|pat)(?![a-z0-9]))")
_SECRET_WORD_RE = _Lazy(_SECRET_WORD, re.I)
#: ... unless it names something about a secret that is not one (SecretArn, TOKEN_FILE, token_url, TokenType).
_NOT_SECRET_SUFFIX_RE = _Lazy(
    r"(?:arns?|ids?|names?|types?|urls?|uris?|paths?|files?|dirs?|expir\w*|expires|duration\w*|seconds|ttl|length"
    r"|count|enabled|endpoints?|provider|header|stdin|location|region|mode|version|policy|date|time"
    r"|errors?|exceptions?|warnings?|faults?)$", re.I)
#: ... nor is an AWS error code that names one ("Common Errors" of the AWS API references, Amazon S3's "Error
#: responses", AWS STS's errors): ``ExpiredToken: The security token included in the request is expired``.
_AWS_ERROR_CODES = frozenset({
    "expiredtoken", "invalidtoken", "signaturedoesnotmatch", "incompletesignature", "missingauthenticationtoken",
    "invalidsignature", "tokenrefreshrequired", "invalidclienttoken", "invalidaccesskey",
    "invalidsecuritytoken", "badsignature"})

# scheme://userinfo@ : the password after the first colon is masked (the user name stays); a userinfo without
# a colon is masked whole, since a token is often given as the user name (https://<token>@github.com/...).
_USERINFO = r"\b([a-z][a-z0-9+.-]*://)([^/?#@\s\"'\\<>]*)@"
_USERINFO_RE = _Lazy(_USERINFO, re.I)
# ?name=value / &name=value (also percent-encoded: %3Fname%3Dvalue, %26name%3Dvalue; JSON-escaped \u0026).
_PARAM = (r"((?:[?&#;]|%3f|%26|\\u0026)([a-z0-9_.-]{1,64})(?:=|%3d))"
          r"((?:(?!%26|%23|%3f)[^&#\s\"'\\<>])*)")
_PARAM_RE = _Lazy(_PARAM, re.I)
# Authorization: <scheme> <credentials> -- to the closing quote when quoted, else one token (RFC 6750 b64token,
# RFC 7617 token68). The scheme is a word followed by a space.
_AUTH = (r"(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*)"
         r"(?:(b?\")([a-z0-9-]+\s+)?([^\"\r\n]*)|(b?')([a-z0-9-]+\s+)?([^'\r\n]*)"
         r"|()([a-z0-9-]+\s+)?([^\s\"',;]+))")
_AUTH_RE = _Lazy(_AUTH, re.I)
# Cookie: / Set-Cookie: (RFC 6265: a session cookie is a bearer credential, as Authorization is): every cookie of
# the header, to the closing quote when the header is quoted ("Cookie: a=1; b=2"), else the cookie pairs.
_COOKIE_RE = _Lazy(r"([\"'])((?:set-)?cookie\s*:\s*)([^\"'\r\n]*)"
                   r"|(?<![\w-])((?:set-)?cookie[\"']?\s*:\s*[\"'])([^\"'\r\n]*)(?=[\"'])"
                   r"|(?<![\w-])((?:set-)?cookie\s*:\s*)([^\s;\"']+(?:;\s*[^\s;\"'=]+=[^\s;\"']*)*)", re.I)
# URLs whose path is the credential, by each service's documentation: Slack incoming webhooks and workflow triggers
# ("Your webhook URL contains a secret"), Discord webhooks (/api/webhooks/<id>/<token>), Microsoft Teams incoming
# webhooks (<tenant>.webhook.office.com/webhookb2/..., outlook.office.com/webhook/...), Zapier catch hooks, IFTTT
# Webhooks (/trigger/<event>/with/key/<key>), Telegram's Bot API (/bot<token>/<method>), Mattermost incoming
# webhooks (/hooks/<26-character id>), Anaconda's token channels ("conda install -c
# https://conda.anaconda.org/t/<TOKEN>/<CHANNEL>"). The host and the path up to the secret stay.
_WEBHOOK = (r"(hooks\.slack\.com/(?:services|workflows|triggers)/(?:[^/\s\"'?#<>\\]+/)*)([^/\s\"'?#<>\\]+)"
            r"|((?:ptb\.|canary\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/[^/\s\"'?#<>\\]+/)([^/\s\"'?#<>\\]+)"
            r"|(\.webhook\.office\.com/webhookb2/|outlook\.office(?:365)?\.com/webhook(?:b2)?/)([^\s\"'?#<>\\]+)"
            r"|(hooks\.zapier\.com/hooks/catch/)([^\s\"'?#<>\\]+)"
            r"|(maker\.ifttt\.com/trigger/[^/\s\"'?#<>\\]+/(?:json/)?with/key/)([^/\s\"'?#<>\\]+)"
            r"|(api\.telegram\.org/(?:file/)?bot)([0-9]+:[A-Za-z0-9_-]+)"
            r"|(/hooks/)([a-z0-9]{26})(?![A-Za-z0-9])"
            r"|((?:conda|repo)\.anaconda\.(?:org|com|cloud)/(?:repo/)?t/)([^/\s\"'?#<>\\]+)")
_WEBHOOK_RE = _Lazy(_WEBHOOK, re.I)
#: A word every alternative of _WEBHOOK needs, looked for first (the pattern costs 0.2 ms on a 600-character line).
_WEBHOOK_WORDS = ("hooks", "discord", "webhook", "ifttt", "telegram", "anaconda")
# curl -u/--user/-U/--proxy-user user:password (the user name stays).
_USER_OPTION = r"((?<![\w-])(?:-u|-U|--user|--proxy-user)(?:\s+|=)[\"']?[^\s\"':@/]*:)([^\s\"']+)"
_USER_OPTION_RE = _Lazy(_USER_OPTION)
# --some-token VALUE (a value that is not another option, a redirection or a $reference).
_OPTION = (r"((?<![\w-])--([a-z0-9-]{0,64}" + _SECRET_WORD + r"[a-z0-9-]{0,64})\s+)"
           r"(?![-$<>|&;])(?:\"([^\"\r\n]*)\"|'([^'\r\n]*)'|([^\s\"';&|]+))")
_OPTION_RE = _Lazy(_OPTION, re.I)
# NAME=value, NAME: value, "name": "value", 'Name': b'value', os.environ["NAME"] = "value", --name=value, the
# canonical request botocore.auth logs (x-amz-security-token:value). Not an ARN's part (...:secret:name-AbCdEf),
# and an unquoted value ends at "@" (x-access-token:***@github.com: the userinfo, already masked).
# A quoted value runs to its real end whatever it holds (trial 15 F01: JSON text as a secret, {"pw": "..."}):
# - opened by n backslashes and '"' (n = 0 in JSON and in a repr of JSON bytes, 1 in JSON carried in a JSON string,
#   3 a level deeper...), it ends at the first '"' after exactly n backslashes: every quote inside it was escaped
#   once more than its opening one (\" in JSON, \\" in botocore's repr of the body, \\\" a level deeper), so
#   no quote inside it has n. (A value ending in an escaped backslash is masked on to the next such quote: more
#   than the value, never less.)
# - opened by "'" (a Python repr), it ends at the first "'" after an even number of backslashes (repr writes \').
# Without its end on the line (cut, or a shell's 'abc\'), the value is masked to the end of the line.
_QUOTED_VALUE = (r"((?:[bru]|rb|br)?(\\*)\")((?:[^\"\\\r\n]|\\+(?![\\\"])|(?!\{0}\")\\*\")*)(\{0}\"|(?=[\r\n]|\Z))"
                 r"|((?:[bru]|rb|br)?')((?:[^'\\\r\n]|\\[^\r\n])*)(?:'|(?=[\r\n]|\Z))")
# The lookaheads are what the name needs (a word, then = or :; in the word, the first two letters of a secret word:
# token signature credential secret pass pwd bearer key pat), tried first: without them each word of a line was
# searched for the secret words at each of its characters (1.35 ms for botocore's 624-character request line of
# PutParameter, whose name "/db/password" lets the pre-test through).
_ASSIGN = (r"((?<![\w.:-])(?=(?:\\*[\"'])?[a-z0-9_.-]+(?:\\*[\"'])?\]?\s*[=:])"
           r"(?=(?:\\*[\"'])?[a-z0-9_.-]*?(?:to|si|cr|se|pa|pw|be|ke))(?:\\*[\"'])?([a-z0-9_.-]{0,64}" + _SECRET_WORD
           + r"[a-z0-9_.-]{0,64})(?:\\*[\"'])?\]?\s*[=:]\s*)"
           r"(?:" + _QUOTED_VALUE.format(4) + r"|([^\s\"'&;,)}\]<>|@]+))")
_ASSIGN_RE = _Lazy(_ASSIGN, re.I)
# Documented token formats, case-sensitive; the prefix is kept.
# Google API keys ("AIza" + 35 characters: Google Cloud, "API keys"; from 30 on), Stripe secret and restricted keys (sk_live_, rk_test_ ...:
# Stripe docs, "API keys"), npm access tokens (npm_ + 36: npm docs, "About access tokens").
_FORMATS = (r"(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)(?=[A-Z0-9]{16}(?![A-Za-z0-9]))|gh[pousr]_(?=[A-Za-z0-9]{20})"
            r"|github_pat_(?=[A-Za-z0-9_]{20})|hf_(?=[A-Za-z0-9]{30})|xox[abposer]-(?=[A-Za-z0-9-]{10})"
            r"|glpat-(?=[A-Za-z0-9_-]{20})|pypi-(?=AgE[A-Za-z0-9_-]{20})|AIza(?=[A-Za-z0-9_-]{30})"
            r"|[sr]k_(?:live|test)_(?=[A-Za-z0-9]{16})|npm_(?=[A-Za-z0-9]{36}))[A-Za-z0-9_-]+")
_FORMATS_RE = _Lazy(_FORMATS)
# Commands that take a secret as a positional word: W&B's `wandb login [OPTIONS] [KEY]` ("KEY: your API key"),
# ngrok's `ngrok config add-authtoken TOKEN` (v2: `ngrok authtoken TOKEN`), a .netrc line (login NAME password
# SECRET) and `aws configure set aws_secret_access_key SECRET` (any `set NAME VALUE` whose NAME says it holds a secret).
_OPTIONS = r"(?:\s+--?[a-z][a-z-]*(?:=\S+|\s+(?![-$])[^\s\"';&|]+)?)*"  # options before the secret word, any form
_POSITIONAL = (r"((?<![\w-])(?:login\s+\S+\s+passw(?:or)?d|wandb\s+login" + _OPTIONS
               + r"|ngrok\s+(?:config\s+add-(?:authtoken|api-key)|authtoken)" + _OPTIONS
               + r"|conda\s+token\s+set" + _OPTIONS + r"|set\s+[\"']?([a-z0-9_.-]{0,64}" + _SECRET_WORD
               + r"[a-z0-9_.-]{0,64})[\"']?)\s+)(?![-$])([^\s\"';&|]+)")
_POSITIONAL_RE = _Lazy(_POSITIONAL, re.I)
# Options whose value is a password by a command's documentation, where the option letter alone says nothing
# (mkdir -p, ssh -p 22): docker/podman login -p (docker login: "-p, --password string  Password"), sshpass -p
# (sshpass(1): "-p password  The password is given on the command line"), the MySQL/MariaDB clients' -pPASSWORD
# (MySQL manual: "--password[=password], -p[password] ... no space between the option and the password"),
# openssl enc -k (openssl-enc(1): "-k password"), az login -p (Azure CLI: "az login -u <username> -p <password>"),
# wandb.login(key=...) (W&B: "key: The API key to use"), and the word echoed into a registry login's
# --password-stdin (docker login: "echo $TOKEN | docker login --password-stdin"). Case-sensitive.
_VALUE = r"(?![-$])(?:\"[^\"\r\n]*\"|'[^'\r\n]*'|[^\s\"';&|]+)"
_COMMAND_PASSWORD = (r"((?<![\w-])(?:(?:docker|podman|nerdctl|buildah|skopeo)\s+login\b[^\n;&|]*?\s-p(?:\s+|=)?"
                     r"|sshpass(?:\s+-[^p\s]\S*)*\s+-p\s*"
                     r"|(?:mysql\w*|mariadb[\w-]*)\b[^\n;&|]*?\s-p"
                     r"|openssl\s[^\n;&|]*?\s-k\s+"
                     r"|az\s+login\b[^\n;&|]*?\s-p(?:\s+|=)"
                     r"|wandb\.login\([^)\n]*?\bkey\s*=\s*"
                     r"|echo\s+(?=" + _VALUE + r"\s*\|\s*(?:\w+\s+)*?(?:docker|podman|nerdctl|helm|oras|crane|buildah|skopeo)"
                     r"\b[^\n;&|]*?\slogin\b[^\n;&|]*?--password-stdin)))(" + _VALUE + ")")
_COMMAND_PASSWORD_RE = _Lazy(_COMMAND_PASSWORD)
# A curl command, to the end of its line or the next ; & | outside quotes (its options are read in it).
_CURL_COMMAND_RE = _Lazy(r"(?<![\w-])curl\b(?:\"[^\"\r\n]*\"|'[^'\r\n]*'|[^\n;&|\"'])*")
# curl's short options that take no value (curl(1), "OPTIONS": "Short version options that do not need any
# additional values can be used immediately next to each other, like ... -OLv"): -0 -1 -2 -3 -4 -6 -# -: -a -B -f
# -g -G -i -I -j -J -k -l -L -M -n -N -O -p -q -R -s -S -v -V -Z. A value-taking option ends the cluster and takes
# the rest of the word ("may be used with or without a space between it and its value": -ddata), else the next
# word: -sSb data is -s -S -b data, -ub data is -u b.
_CURL_FLAGS = r"[0-46#:aBfgGiIjJkLlMnNOpqRsSvVZ]"
# The options whose value holds a credential (curl(1)): -b/--cookie <data|filename> ("Pass the data to the HTTP
# server in the Cookie header"; a file name is masked too: nothing tells them apart), -u/--user and
# -U/--proxy-user <user:password>, -E/--cert and --proxy-cert <certificate[:password]>, -x/--proxy
# [protocol://][user:password@]host[:port]; long forms with a space or "=".
_CURL_OPTION = (r"(?<![\w-])(?:-" + _CURL_FLAGS + r"*([bEuUx])(?:\s+)?"
                r"|--(cookie|user|proxy-user|cert|proxy-cert|proxy)(?:\s+|=))(" + _VALUE + ")")
_CURL_OPTION_RE = _Lazy(_CURL_OPTION)
_CURL_OPTION_KIND = {"b": "cookie", "u": "user", "U": "user", "E": "user", "x": "proxy", "cookie": "cookie",
                     "user": "user", "proxy-user": "user", "cert": "user", "proxy-cert": "user", "proxy": "proxy"}
# npm's per-registry credentials in .npmrc or `npm config set` (npm docs, "npmrc": "//registry.npmjs.org/:_authToken=",
# "_auth", "_password"), given with "=" or as the next word.
_NPMRC = r"(:_(?:authToken|auth|password)(?:\s*=\s*|\s+))(?![$\s])(\"[^\"\r\n]*\"|'[^'\r\n]*'|[^\s\"';&|]+)"
_NPMRC_RE = _Lazy(_NPMRC, re.I)
# A JSON Web Token (RFC 7519 section 3: JWS compact serialisation, BASE64URL(header).BASE64URL(payload).signature;
# a JSON object's base64url starts "eyJ"), or a JWE's five parts (RFC 7516 section 3.1); "eyJ" is kept.
_JWT = (r"(?<![A-Za-z0-9_-])(eyJ)[A-Za-z0-9_-]{2,}(?:\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
        r"|(?:\.[A-Za-z0-9_-]*){3}\.[A-Za-z0-9_-]+)")
_JWT_RE = _Lazy(_JWT)
_PRIVATE_KEY = (r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)[\s\S]*?"
                r"(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)")
_PRIVATE_KEY_RE = _Lazy(_PRIVATE_KEY)
# <SecretAccessKey>...</SecretAccessKey>, <SessionToken>...</SessionToken>: the XML bodies of query-protocol
# responses (STS AssumeRole) that botocore logs at DEBUG.
_ELEMENT = r"(<([a-z0-9_.:-]{0,64}" + _SECRET_WORD + r"[a-z0-9_.:-]{0,64})>)([^<]+)(</\2>)"
_ELEMENT_RE = _Lazy(_ELEMENT, re.I)
#: The pre-test (:func:`may_hold_secret`): a literal every rule above needs to match (``@`` for a userinfo, a
#: secret word or ``sig=`` for a parameter, ``authoriz``, ``-u``/``-U``, a token format's prefix, ``PRIVATE KEY``).
#: Literals only, matched in the lower-cased text (re.I makes sre try each alternative at each position, ten
#: times slower): one cheap scan, a superset of the rules (tests check that it never misses a masked text).
_TRIGGER_RE = _Lazy(
    r"@|token|signature|credential|secret|pass|pwd|api[-_]?key|access[-_]?key|private[-_ ]?key|account[-_]?key|bearer"
    r"|subscription[-_]?key|functions[-_]?key|(?:sig|code|key|auth)(?:=|%3d)|authoriz|-u|akia|asia|abia|acca"
    r"|gh[pousr]_|github_pat_|hf_|xox[abposer]-|glpat-|pypi-|aiza|[sr]k_live_|[sr]k_test_|npm_"
    r"|eyj|login|mysql|mariadb|openssl|:_auth|cookie|curl|hooks|discord|webhook|ifttt|telegram"
    r"|(?:sse[-_]?c|customer|encryption|license|master|signing|hmac|shared|client|app)[-_]?key|[a-z0-9][-_]key"
    r"|wandb|ngrok|anaconda|[-_.]pat(?![a-z0-9])")  # on text.lower()


def _mask_userinfo(match: "re.Match[str]") -> str:
    user, colon, _secret = match.group(2).partition(":")
    return f"{match.group(1)}{user}:{REDACTED}@" if colon else f"{match.group(1)}{REDACTED}@"


def is_secret_name(name: str) -> bool:
    """Whether a parameter, variable, header, key or option named ``name`` holds a credential.

    ``True`` for a name holding ``token``, ``signature``, ``credential``,
    ``secret``, ``password``/``passwd``, ``passphrase``, ``api_key``, ``access_key``,
    ``private_key``, ``account_key`` or ``bearer`` (any case, ``-``/``_`` or none between the
    words), ``pass`` as a word of its own (``DB_PASS``) or a ``pwd`` after a separator
    (``MYSQL_PWD``, not the shell's ``PWD``), unless it
    ends with a word that names something about the secret (``Arn``, ``Id``,
    ``Name``, ``File``, ``Url``, ``Type``, ``Expiration`` ...) or an error
    (``NoCredentialsError``, ``ExpiredTokenException``), is an AWS error code
    (``ExpiredToken``, ``SignatureDoesNotMatch``) or holds
    ``tokeniz`` (``TOKENIZERS_PARALLELISM``).
    """
    lowered = name.lower().strip("-_.")
    return (bool(_SECRET_WORD_RE.search(lowered)) and "tokeniz" not in lowered
            and not _NOT_SECRET_SUFFIX_RE.search(lowered) and lowered not in _AWS_ERROR_CODES)


def _mask_param(match: "re.Match[str]") -> str:
    name = match.group(2).lower()
    # SigV2's AWSAccessKeyId is a credential of the URL although an ...Id (S3 "Query String Request
    # Authentication Alternative"); sig is Azure's and others' signature parameter; code is an OAuth
    # authorization code (RFC 6749 section 4.1.2: a sign-in URL's one-time credential).
    # key is Google's API key parameter ("pass it as key=API_KEY") and others' (subscription-key, license_key); auth
    # is Firebase's database secret parameter; pwd a password. A presigned URL's X-Amz-Signature, -Credential and
    # -Security-Token are secret names; X-Amz-Algorithm, -Date, -Expires, -SignedHeaders stay (they are not).
    if (name in ("sig", "awsaccesskeyid", "code", "key", "auth", "pwd") or name.endswith(("_key", "-key"))
            or is_secret_name(name)):
        return match.group(1) + REDACTED
    return match.group(0)


def _mask_webhook(match: "re.Match[str]") -> str:
    for kept in range(1, len(match.groups()), 2):
        if match.group(kept) is not None:
            return match.group(kept) + (match.group(kept + 1) if match.group(kept + 1) == REDACTED else REDACTED)
    return match.group(0)  # pragma: no cover - one alternative always matched


def _mask_cookie(match: "re.Match[str]") -> str:
    if match.group(1) is not None:  # the header quoted: to the closing quote
        head, value = match.group(1) + match.group(2), match.group(3)
    elif match.group(4) is not None:  # a key and its quoted value ({"Cookie": "a=1; b=2"})
        head, value = match.group(4), match.group(5)
    else:  # bare: the cookie pairs
        head, value = match.group(6), match.group(7)
    if not value.strip() or value.startswith("$") or value == REDACTED:
        return match.group(0)
    return head + REDACTED


def _mask_auth(match: "re.Match[str]") -> str:
    for quote, scheme, value in ((2, 3, 4), (5, 6, 7), (8, 9, 10)):
        if match.group(quote) is not None:
            break
    secret = match.group(value)
    if not secret or secret.startswith("$") or secret == REDACTED:
        return match.group(0)
    return f"{match.group(1)}{match.group(quote)}{match.group(scheme) or ''}{REDACTED}"


def _mask_assignment(match: "re.Match[str]") -> str:
    if not is_secret_name(match.group(2)):
        return match.group(0)
    if match.group(3) is not None:  # "...", also escaped (\\"...\\") as JSON inside a JSON string
        opening, secret, closing = match.group(3), match.group(5), match.group(6)
    elif match.group(7) is not None:
        opening, secret, closing = match.group(7), match.group(8), "'"
    else:
        opening, secret, closing = "", match.group(9), ""
    if not secret or secret.startswith("$") or secret == REDACTED:
        return match.group(0)
    return f"{match.group(1)}{opening}{REDACTED}{closing}"


def _splice(text: str, pattern: "re.Pattern[str]",
            found: "Callable[[re.Match[str], int], tuple[list[tuple[int, int, str]], int]]") -> str:
    """``text`` with the spans ``found`` names replaced: the one scan loop of :func:`_mask_assignments`,
    :func:`_mask_path` and :func:`_mask_members`. ``found(match, kept)`` (``kept``: where the text not yet copied
    starts) returns the ``(begin, end, replacement)`` spans of that match, in order and each at or after ``kept``,
    and where the next search starts. Returns ``text`` itself when nothing is replaced."""
    out: list[str] = []
    kept = at = 0
    while at <= len(text) and (match := pattern.search(text, at)) is not None:
        spans, at = found(match, kept)
        for begin, end, replacement in spans:
            out += [text[kept:begin], replacement]
            kept = end
    if not out:
        return text
    out.append(text[kept:])
    return "".join(out)


def _mask_assignments(text: str) -> str:
    """``text`` with every secret-named assignment's value masked (:data:`_ASSIGN_RE`, :func:`_mask_assignment`); a
    value that is a JSON or repr container (``"api_keys": ["k1", "k2"]``, ``'db': {'password': ...}``, a tuple
    ``('k1', 'k2')``, a call ``frozenset({...})``) is masked to its closing bracket (:func:`_value_end`), not only
    its opening one (trial 16 F12, trial 16b F01)."""
    return _splice(text, _ASSIGN_RE, _assignment_spans)


def _assignment_spans(match: "re.Match[str]", kept: int) -> "tuple[list[tuple[int, int, str]], int]":
    """:func:`_splice`'s spans of one secret-named assignment: a container value to its closing bracket, another
    through :func:`_mask_assignment`; the next assignment is searched after the value."""
    bare = match.group(9)
    if bare is not None and (bare[0] in "[{(" or _CALL_RE.match(bare)) and is_secret_name(match.group(2)):
        start = match.start(9)
        end = _value_end(match.string, start)
        return [(start, end, REDACTED)], end
    masked = _mask_assignment(match)
    return ([] if masked == match.group(0) else [(match.start(), match.end(), masked)]), match.end()


def _mask_option(match: "re.Match[str]") -> str:
    if not is_secret_name(match.group(2)):
        return match.group(0)
    if match.group(3) is not None:
        return f'{match.group(1)}"{REDACTED}"'
    if match.group(4) is not None:
        return f"{match.group(1)}'{REDACTED}'"
    return match.group(1) + REDACTED


def _mask_positional(match: "re.Match[str]") -> str:
    if match.group(2) is not None and not is_secret_name(match.group(2)) or match.group(3) == REDACTED:
        return match.group(0)
    return match.group(1) + REDACTED


def _mask_value(match: "re.Match[str]") -> str:
    value = match.group(2)
    if value.strip("\"'") in (REDACTED, "") or value.lstrip("\"'").startswith("$"):
        return match.group(0)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{quote}{REDACTED}{quote}"


def _mask_curl_option(match: "re.Match[str]") -> str:
    """One option of a curl command (:data:`_CURL_OPTION`): a cookie's data whole, the password of
    ``user:password`` / ``certificate:password`` / a proxy's ``user:password@``."""
    value = match.group(3)
    quote = value[0] if value[0] in "\"'" else ""
    inner = value[1:-1] if quote and len(value) > 1 and value[-1] == quote else value[len(quote):]
    if inner in (REDACTED, "") or inner.startswith("$"):
        return match.group(0)
    head = match.group(0)[:match.start(3) - match.start(0)]
    kind = _CURL_OPTION_KIND[match.group(1) or match.group(2)]
    if kind == "cookie":
        return f"{head}{quote}{REDACTED}{quote}"
    if kind == "proxy":
        at = inner.rfind("@")
        scheme = inner.find("://") + 3 if "://" in inner[:at] else 0
        user, colon, secret = inner[scheme:at].partition(":") if at > 0 else ("", "", "")
        if not secret or secret == REDACTED:
            return match.group(0)
        return f"{head}{quote}{inner[:scheme]}{user}:{REDACTED}{inner[at:]}{quote}"
    user, colon, secret = inner.partition(":")
    if not secret or secret == REDACTED or inner.startswith("pkcs11:"):  # no password, or a PKCS#11 URI (RFC 7512)
        return match.group(0)
    return f"{head}{quote}{user}:{REDACTED}{quote}"


def _mask_curl_command(match: "re.Match[str]") -> str:
    """The credentials in the options of one curl command (:data:`_CURL_COMMAND_RE`)."""
    return _CURL_OPTION_RE.sub(_mask_curl_option, match.group(0))


def _mask_element(match: "re.Match[str]") -> str:
    if not is_secret_name(match.group(2).rpartition(":")[2]) or match.group(3) == REDACTED:
        return match.group(0)
    return f"{match.group(1)}{REDACTED}{match.group(4)}"


def may_hold_secret(text: str) -> bool:
    """Whether :func:`redact_text` may change ``text``: a scan for literals every masking rule needs.

    ``False`` is exact (nothing would be masked); ``True`` only means a rule has to look.
    """
    return _TRIGGER_RE.search(text.lower()) is not None


def redact_url(url: str) -> str:
    """Mask the credentials of a URL (or of every URL in a text) for display.

    A query parameter whose name says it carries a credential (``token``,
    ``authToken``, ``X-Amz-Signature``, ``X-Amz-Credential``,
    ``X-Amz-Security-Token``, ``Signature``, ``AWSAccessKeyId``,
    ``access_token``, ``sig``...: see :mod:`safemaker._redact`; any case, also
    percent-encoded) has its value replaced by ``***``, and so has a URL's
    password (``https://alice:***@github.com/...``) or, without a password,
    its whole userinfo (``https://***@github.com/...``); everything else is kept.
    :func:`redact_text` masks secrets outside URLs too.

    Parameters
    ----------
    url : str
        A URL or any text containing URLs.

    Returns
    -------
    str
        ``https://nb.notebook.us-east-1.sagemaker.aws?authToken=***`` for
        ``https://nb.notebook.us-east-1.sagemaker.aws?authToken=eyJ...``;
        ``https://d-abc.studio.us-east-1.sagemaker.aws/auth?token=***`` for a
        Studio sign-in URL.

    Raises
    ------
    TypeError
        ``url`` is not a str.
    """
    if not isinstance(url, str):
        raise TypeError(f"redact_url() takes a str, not {type(url).__name__}")
    if "@" in url:
        url = _USERINFO_RE.sub(_mask_userinfo, url)
    lowered = url.lower()
    if any(word in lowered for word in _WEBHOOK_WORDS):
        url = _WEBHOOK_RE.sub(_mask_webhook, url)
    return _PARAM_RE.sub(_mask_param, url)


def redact_text(text: str) -> str:
    """Mask every credential :mod:`safemaker._redact` recognises in ``text`` (a URL, a script line, a log message).

    :func:`redact_url`, then ``Authorization`` headers, ``-u user:password``,
    secret-named assignments, headers, keys and ``--options``, and documented
    token formats (see the module's documentation for each rule and its source).

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        ``text`` itself when nothing is masked, else a copy with each secret
        replaced by ``***`` (``curl -H "Authorization: Bearer ***" https://api.github.com/...``).

    Raises
    ------
    TypeError
        ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact_text() takes a str, not {type(text).__name__}")
    plain = text.__class__ is str
    if plain and text in _CLEAN_TEXTS:
        return text
    masked = _redact_all(text) if may_hold_secret(text) else text
    if plain and masked is text and len(text) <= _CLEAN_TEXT_MAX:
        if len(_CLEAN_TEXTS) >= _CLEAN_TEXTS_KEPT:
            _CLEAN_TEXTS.clear()
        _CLEAN_TEXTS.add(text)
    return masked


#: Texts :func:`redact_text` found clean (nothing masked), so that a text shown again is not scanned again: a
#: fix that passes the pre-test (the pipeline's "... SDK pipelines that pass the guard)": every rule then has to
#: look at it) was masked again at each of the thousands of violations that carry it. Only clean texts are kept
#: (never one that held a secret), at most _CLEAN_TEXTS_KEPT of at most _CLEAN_TEXT_MAX characters each (then
#: all forgotten at once): ~4 MB at most.
_CLEAN_TEXTS: set[str] = set()
_CLEAN_TEXT_MAX = 1024
_CLEAN_TEXTS_KEPT = 4096


def _redact_all(text: str) -> str:
    """Every rule of :func:`redact_text`, without the pre-test (the tests check the pre-test against it)."""
    masked = redact_url(text)
    masked = _AUTH_RE.sub(_mask_auth, masked)
    masked = _COOKIE_RE.sub(_mask_cookie, masked)
    masked = _CURL_COMMAND_RE.sub(_mask_curl_command, masked)
    masked = _USER_OPTION_RE.sub(lambda m: m.group(1) + REDACTED, masked)
    masked = _OPTION_RE.sub(_mask_option, masked)
    masked = _mask_assignments(masked)
    masked = _POSITIONAL_RE.sub(_mask_positional, masked)
    masked = _COMMAND_PASSWORD_RE.sub(_mask_value, masked)
    masked = _NPMRC_RE.sub(_mask_value, masked)
    masked = _JWT_RE.sub(lambda m: m.group(1) + REDACTED, masked)
    masked = _FORMATS_RE.sub(lambda m: m.group(1) + REDACTED, masked)
    masked = _ELEMENT_RE.sub(_mask_element, masked)
    masked = _PRIVATE_KEY_RE.sub(lambda m: m.group(1) + REDACTED + m.group(2), masked)
    return text if masked == text else masked


def redact_value(value: object) -> object:
    """``value`` with :func:`redact_text` applied to every string in it (lists, tuples and dicts walked).

    A dict's string value whose key says it holds a secret (:func:`is_secret_name`: ``{"HF_TOKEN": "..."}``) is
    masked whole (``$VARIABLE`` references and empty strings kept); an ``Authorization`` key keeps its scheme.
    Returns ``value`` itself when nothing in it is masked; another type is returned unchanged.
    """
    return _map_leaves(value, _redacted_leaf, _redact_item, False)


def _map_leaves(value: object, leaf: "Callable[[object], object]", item: "Callable[[object, object], object]",
                sets: bool) -> object:
    """The one walk of :func:`redact_value` and :func:`_masked_whole`: ``value`` with ``leaf`` applied to each
    string (and whatever else ``leaf`` changes) and ``item(key, value)`` to each dict member; lists and tuples
    (and, with ``sets``, sets and frozensets) walked, keeping their type. Returns ``value`` itself when nothing in
    it changed."""
    if isinstance(value, (list, tuple)) or (sets and isinstance(value, (set, frozenset))):
        items = [_map_leaves(each, leaf, item, sets) for each in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        if isinstance(value, (set, frozenset)):
            return frozenset(items) if isinstance(value, frozenset) else set(items)
        return type(value)(items) if type(value) in (list, tuple) else items
    if isinstance(value, dict):
        pairs = {key: item(key, each) for key, each in value.items()}
        return value if all(pairs[key] is each for key, each in value.items()) else pairs
    return leaf(value)


def _redacted_leaf(value: object) -> object:
    """:func:`redact_value` of one leaf: a string through :func:`redact_text`; anything else is kept."""
    return redact_text(value) if isinstance(value, str) else value


def _redact_item(key: object, item: object) -> object:
    """A dict's ``item`` under ``key``: masked whole when the key names a secret (a container under such a key: every
    string and number in it, trial 16 F12), else :func:`redact_value`."""
    if isinstance(key, str) and isinstance(item, str) and item and not item.startswith("$") and item != REDACTED:
        if key.lower() in ("authorization", "proxy-authorization"):
            masked = _AUTH_RE.sub(_mask_auth, f"{key}: {item}")
            return item if masked == f"{key}: {item}" else masked[len(key) + 2:]
        if is_secret_name(key) or key.lower() in ("cookie", "set-cookie"):
            return REDACTED
    if isinstance(key, str) and isinstance(item, (dict, list, tuple, set, frozenset)) and item \
            and is_secret_name(key):
        return _masked_whole(item)
    return redact_value(item)


def _masked_whole(value: object) -> object:
    """``value`` with every non-empty string (but ``$VARIABLE`` references) and every number in it replaced by
    ``***``, its lists, tuples, sets and dicts kept (their keys too)."""
    return _map_leaves(value, _masked_leaf, lambda key, each: _masked_whole(each), True)


def _masked_leaf(value: object) -> object:
    """:func:`_masked_whole` of one leaf: a non-empty string but a ``$VARIABLE`` reference, or a number (not a
    bool), is ``***``; anything else is kept."""
    if isinstance(value, str):
        return REDACTED if value and not value.startswith("$") else value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return REDACTED
    return value


# ---------------------------------------------------------------- members botocore's models mark sensitive

#: botocore's log lines that carry an operation's request or response, by format string (botocore.endpoint
#: make_request; botocore.parsers ResponseParser.parse; botocore.auth SigV4's canonical request, whose headers and
#: query string carry a header or query member; urllib3's request line, whose path carries the query string).
_REQUEST_FORMAT = "Making request for %s with params: %s"
_RESPONSE_FORMATS = frozenset({"Response headers: %r", "Response body:\n%r"})  # the second is _BODY_FORMAT
_WIRE_FORMATS = frozenset({"CanonicalRequest:\n%s", "Sending http request: %s", '%s://%s:%s "%s %s %s" %s %s',
                           # lines botocore logs with the exception of a request (exc_info), whose message holds
                           # its URL (EndpointConnectionError...): endpoint.py, httpsession.py, retryhandler.py,
                           # parsers.py (trial 16 F10)
                           "Exception received when sending HTTP request.",
                           "Exception received when sending urllib3 HTTP request",
                           "retry needed, retryable exception caught: %s",
                           "Exception caught when parsing error response body:"})
#: The response body line, masked whole when the body is a sensitive member itself (a blob or string payload).
_BODY_FORMAT = "Response body:\n%r"
_SCALAR_RE = _Lazy(r"[^,}\]\s'\"&<>]*")
#: An object's repr opening (``OidcConfig(``): masked to its closing parenthesis (:func:`_value_end`).
_CALL_RE = _Lazy(r"[A-Za-z_][\w.]*\(")
#: Operation -> the pattern of its sensitive members' names (None: it has none), per direction.
#: (the members' pattern, whether the body is masked whole, the pattern of the path's sensitive labels)
#: (..., whether the input / output shape itself is sensitive: every member of it)
_Found = "tuple[re.Pattern[str] | None, bool, re.Pattern[str] | None, bool]"
_SENSITIVE: dict[tuple[str, str, str, bool], _Found] = {}
#: The same by the operation model object botocore hands the log line (kept, so its id is not reused), at most 4096.
_SENSITIVE_HELD: dict[tuple[int, bool], tuple[object, _Found]] = {}


def _wire_names(member: object, name: str) -> tuple[str, ...]:
    """The names a structure's member ``name`` is written under, by botocore's serializers: the member's name, its
    ``locationName`` (JSON key, XML element, header, query parameter), the ec2 protocol's ``queryName`` and its
    ``locationName`` capitalized ("A locationName is always capitalized on input for the ec2 protocol")."""
    serialization = member.serialization  # type: ignore[attr-defined]
    wire, query = serialization.get("name"), serialization.get("queryName")
    names = [name]
    for other in (wire, wire[:1].upper() + wire[1:] if wire else None, query):
        if other and other not in names:
            names.append(other)
    return tuple(names)


def _sensitive_names(shapes: "list[object]", cbor: bool = False) -> set[str]:
    """The names under which a member botocore marks ``sensitive`` (its shape's trait) appears on the wire, below
    ``shapes``: the member's name and its serialized names (:func:`_wire_names`). A list or map whose element, key
    or value is sensitive is masked whole under its own name (a flattened query list also under its element's name,
    which replaces the list's in the key). A sensitive member that is the HTTP body itself (the input's or output's
    ``payload``: a blob, a string, a structure) is named ``body``, the request's key for it; so is any body of the
    smithy-rpc-v2-cbor protocol (``cbor``) holding a sensitive member, whose CBOR bytes are logged as they are, and
    the body of an input or output botocore marks sensitive itself (the trait on the top-level structure: DataZone's
    ``GetEnvironmentCredentialsOutput``, Comprehend's ``DetectEntitiesResponse``), whose members outside the body
    (a header, a query parameter) are named too (its path labels: :func:`_uri_pattern`)."""
    names: set[str] = set()
    for shape in shapes:
        if shape is not None and shape.metadata.get("sensitive"):  # type: ignore[attr-defined]
            names.add("body")
            for name, member in shape.members.items():  # type: ignore[attr-defined]
                if member.serialization.get("location") in ("header", "headers", "querystring"):
                    names.update(_wire_names(member, name))
        payload = shape is not None and shape.serialization.get("payload")  # type: ignore[attr-defined]
        if payload and payload in shape.members:  # type: ignore[attr-defined]
            if shape.members[payload].metadata.get("sensitive"):  # type: ignore[attr-defined]
                names.add("body")

    def walk(shape: object, keys: tuple[str, ...], ancestors: frozenset[str]) -> None:
        if shape.metadata.get("sensitive"):  # type: ignore[attr-defined]
            names.update(keys)
            return
        kind = shape.type_name  # type: ignore[attr-defined]
        if kind == "structure":
            if shape.name in ancestors:  # type: ignore[attr-defined]
                return
            ancestors = ancestors | {shape.name}  # type: ignore[attr-defined]
            for name, member in shape.members.items():  # type: ignore[attr-defined]
                member_keys = _wire_names(member, name)
                if member.type_name == "list" and member.serialization.get("flattened"):
                    element = member.member
                    if element.serialization.get("name"):
                        member_keys += _wire_names(element, "")
                walk(member, member_keys, ancestors)
        elif kind == "list":
            walk(shape.member, keys, ancestors)  # type: ignore[attr-defined]
        elif kind == "map":
            walk(shape.key, keys, ancestors)  # type: ignore[attr-defined]
            walk(shape.value, keys, ancestors)  # type: ignore[attr-defined]

    for shape in shapes:
        if shape is not None:
            walk(shape, (), frozenset())
    names = {name for name in names if name}
    if cbor and names:
        names.add("body")
    return names


#: A path segment's characters as botocore's serializer writes a label in it (percent-encoded: no "/", quote,
#: space, "?" nor "#"); a greedy label ({Key+}) keeps its "/".
_SEGMENT, _GREEDY = r"[^/?#\s'\"\\]*", r"[^?#\s'\"\\]*"
#: What cannot stand between a URL's "://" and the start of its path: the path's own "/", a space or a quote.
_PATH_BREAK_RE = _Lazy(r"[/\s'\"]")


def _uri_pattern(operation_model: object) -> "re.Pattern[str] | None":
    """The pattern of the request path of ``operation_model`` (its ``http.requestUri`` template) whose groups are the
    labels filled from members botocore marks sensitive (``location: uri``; every label when the input shape is
    itself sensitive), or ``None`` when it has none. The path
    is found where botocore logs it (:func:`_mask_path`: ``url_path``, the prepared URL, the canonical request,
    urllib3's request line). A literal character the canonical request may percent-encode (once or twice) is matched
    in either form."""
    shape = operation_model.input_shape  # type: ignore[attr-defined]
    template = (operation_model.http or {}).get("requestUri", "")  # type: ignore[attr-defined]
    if shape is None or "{" not in template:
        return None
    whole = shape.metadata.get("sensitive")
    sensitive = {member.serialization.get("name", name) for name, member in shape.members.items()
                 if member.serialization.get("location") == "uri" and (whole or member.metadata.get("sensitive"))}
    if not sensitive:
        return None
    parts = []
    for literal, label in re.findall(r"([^{]*)(?:\{([^}]*)\}|$)", template.split("?", 1)[0]):
        for char in literal:
            parts.append(re.escape(char) if re.match(r"[\w./~-]", char) else
                         f"(?:{re.escape(char)}|%(?:25)?(?i:{ord(char):02X}))")
        if label:
            segment = _GREEDY if label.endswith("+") else _SEGMENT
            parts.append(f"({segment})" if label.rstrip("+") in sensitive else segment)
    return re.compile("".join(parts))  # where it starts is checked by _mask_path (a literal prefix is fast)


def _mask_path(text: str, pattern: "re.Pattern[str]") -> str:
    """``text`` with every sensitive label of the path ``pattern`` (:func:`_uri_pattern`) finds replaced by ``***``,
    where the path starts a URL's path (after ``scheme://host``), a quoted or spaced word, or a line."""
    def labels(match: "re.Match[str]", kept: int) -> "tuple[list[tuple[int, int, str]], int]":
        start = match.start()
        if start and text[start - 1] not in " \t\n'\"":
            host = text.rfind("://", max(0, start - 300), start)
            if host < 0 or _PATH_BREAK_RE.search(text, host + 3, start):
                return [], start + 1
        spans = []
        for group in range(1, pattern.groups + 1):
            begin, end = match.span(group)
            if end > begin >= kept:
                spans.append((begin, end, REDACTED))
                kept = end
        return spans, max(start + 1, match.end())

    return _splice(text, pattern, labels)


def _sensitive_pattern(operation_model: object, response: bool) -> _Found:
    """The pattern finding where a value of a member of ``operation_model``'s input (or output and errors) that
    botocore marks sensitive starts, in any form botocore logs it (``None`` when it has none), whether the body is
    such a member whole, the pattern of the request path's sensitive labels (:func:`_uri_pattern`; requests), and
    whether the input (or the output) is sensitive whole (the trait on the top-level shape: every member).
    Derived once per operation from the model in hand, so every service is covered."""
    held = _SENSITIVE_HELD.get((id(operation_model), response))
    if held is not None and held[0] is operation_model:
        return held[1]
    try:
        service = operation_model.service_model  # type: ignore[attr-defined]
        key = (service.service_name, service.api_version, operation_model.name, response)  # type: ignore[attr-defined]
    except AttributeError:
        return None, False, None, False
    if key in _SENSITIVE:
        if len(_SENSITIVE_HELD) >= 4096:
            _SENSITIVE_HELD.clear()
        _SENSITIVE_HELD[(id(operation_model), response)] = (operation_model, _SENSITIVE[key])
        return _SENSITIVE[key]
    uri, whole = None, False
    try:
        shapes = ([operation_model.output_shape, *operation_model.error_shapes] if response  # type: ignore[attr-defined]
                  else [operation_model.input_shape])  # type: ignore[attr-defined]
        names = _sensitive_names(shapes, _protocol(service) == "smithy-rpc-v2-cbor")
        uri = None if response else _uri_pattern(operation_model)
        whole = bool(shapes[0] is not None and shapes[0].metadata.get("sensitive"))
    except Exception:  # noqa: BLE001 - a model botocore cannot resolve: the generic rules still apply
        names = set()
    _SENSITIVE[key] = found = (_member_pattern(names), "body" in names, uri, whole)
    return found


def _member_pattern(names: "set[str]", keyword: bool = False) -> "re.Pattern[str] | None":
    """The pattern finding where the value of a member named one of ``names`` starts, in any form botocore logs it
    (:func:`_mask_members` reads its groups); with ``keyword``, also ``name=value`` anywhere (a Python repr of an
    object's fields: the SageMaker SDK's shapes). ``None`` for no names."""
    pattern = None
    if names:
        alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        keyword_form = r"|(?<![\w.-])(?:" + alternatives + r")=(?!=)" if keyword else ""
        pattern = re.compile(
            # "Name": / 'Name': / \"Name\": (JSON, Python reprs of the request and of the body bytes), also a query /
            # ec2 protocol's flattened key whose last name is one (after any number of 'Prefix.' / 'Prefix.N.'
            # parts), before what a list or map adds ('.member.N', '.N', '.entry.N.key'), then the value
            r"(?<![\w-])(\\*[\"'])(?:[\w-]*\.)*(?:" + alternatives + r")(?:\.[\w.-]*)?\1\s*:\s*(?:(?:[bru]|rb|br)(?=[\"']))?"
            # <Name>...</Name> (XML bodies)
            r"|<((?:[\w-]+:)?(?:" + alternatives + r"))(?:\s[^<>]*)?>"
            # name:value (a header of the canonical request), ?name=value / &name=value (a query string)
            r"|(?m:^)(?:" + alternatives + r"):|(?<=[?&\n])(?:" + alternatives + r")=" + keyword_form, re.I)
        _PATTERN_WORDS[pattern] = tuple(sorted({name.lower() for name in names}))
    return pattern


#: A member pattern (:func:`_member_pattern`) -> its names lower-cased: every form it finds holds one, so a line
#: holding none is not searched (the pattern, case-insensitive, tries each name at each position: ~250 µs on a
#: 1,300-character SageMaker SDK request line; the literal scan ~5 µs).
_PATTERN_WORDS: "dict[re.Pattern[str], tuple[str, ...]]" = {}


def _protocol(service: object) -> str:
    """The protocol botocore speaks to ``service`` (``resolved_protocol``, or ``protocol`` before botocore had it)."""
    try:
        return service.resolved_protocol  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - an older botocore, or protocols it does not support
        return getattr(service, "protocol", "") or ""


def _quoted_end(text: str, start: int) -> int:
    """The end of the quoted value opening at ``start`` (backslashes, then a quote): see ``_QUOTED_VALUE``."""
    quote_at = start
    while text[quote_at] == "\\":
        quote_at += 1
    quote, opened = text[quote_at], quote_at - start
    at = quote_at + 1
    while True:
        # the next quote, unless the line ends first; each search reads only up to what it finds (a search to the
        # line's end per value made a long one-line repr quadratic: trial 15c F10)
        found = text.find(quote, at)
        line_end = text.find("\n", at, len(text) if found < 0 else found)
        if line_end >= 0:
            return line_end
        if found < 0:
            return len(text)
        run = found
        while run > at and text[run - 1] == "\\":
            run -= 1
        run = found - run
        if run == opened if (quote == '"' or opened) else run % 2 == 0:
            return found + 1
        at = found + 1


def _value_end(text: str, start: int) -> int:
    """The end of the value starting at ``start``: a quoted string, a JSON or repr container (to its closing
    bracket, strings skipped; also an object's repr ``Name(...)``, as the SageMaker SDK v3 shows its shapes), or a
    bare scalar (to the next delimiter)."""
    first = text[start]
    if first in "\"'\\":
        return _quoted_end(text, start)
    if first not in "{[(":
        call = _CALL_RE.match(text, start)
        if call is None:
            return _SCALAR_RE.match(text, start).end()
        start = call.end() - 1  # the opening parenthesis
    depth, at, n = 0, start, len(text)
    while at < n:
        char = text[at]
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth == 0:
                return at + 1
        elif char in "\"'":
            at = _quoted_end(text, at)
            continue
        elif char == "\\":  # an escaped string's opening quote (\"...\"), or an escape outside a string
            quote_at = at
            while quote_at < n and text[quote_at] == "\\":
                quote_at += 1
            at = _quoted_end(text, at) if quote_at < n and text[quote_at] in "\"'" else quote_at
            continue
        elif char == "\n":
            return at
        at += 1
    return n


def _mask_members(text: str, pattern: "re.Pattern[str]") -> str:
    """``text`` with every value ``pattern`` (:func:`_sensitive_pattern`) finds replaced by ``***``."""
    words = _PATTERN_WORDS.get(pattern)
    if words is not None:
        lowered = text.lower()
        if not any(word in lowered for word in words):
            return text
    return _splice(text, pattern, _member_spans)


def _member_spans(match: "re.Match[str]", kept: int) -> "tuple[list[tuple[int, int, str]], int]":
    """:func:`_splice`'s span of one sensitive member's value (its quotes kept: ``"***"``, ``\\"***\\"``,
    ``'***'``): an XML element's text, a canonical request header's line, or a JSON/repr value (:func:`_value_end`)."""
    text = match.string
    start = match.end()
    if match.group(2) is not None:  # <Name>...</Name>
        close = text.find(f"</{match.group(2)}>", start)
        end = len(text) if close < 0 else close
    elif match.group(1) is None and text[start - 1] == ":":  # a canonical request's header: the rest of the line
        close = text.find("\n", start)
        end = len(text) if close < 0 else close
    elif start >= len(text):
        return [], len(text) + 1
    else:
        end = _value_end(text, start)
    next_at = max(end, match.end() + 1)
    value = text[start:end]
    if value.strip("\\\"'") in ("", REDACTED, "None", "null"):
        return [], next_at
    if value[:1] in "\"'\\":  # the quotes stay: "***", \"***\", '***'
        quote_at = len(value) - len(value.lstrip("\\"))
        opening = value[:quote_at + 1]
        closing = opening if value.endswith(opening[-1]) and len(value) > len(opening) else ""
        value = opening + REDACTED + closing
    else:
        value = REDACTED
    return [(start, end, value)], next_at


def _operation_of(record: logging.LogRecord) -> "tuple[object, bool] | None":
    """The botocore operation (and whether the record shows its response) of a log line that carries a request,
    a response, or a wire form of one; ``None`` for any other line. The request line names it in its arguments;
    the others are logged inside botocore's ``Endpoint._send_request(request_dict, operation_model)``."""
    fmt = record.msg
    if fmt.__class__ is not str:
        return None
    if fmt == _REQUEST_FORMAT:
        args = record.args
        return (args[0], False) if isinstance(args, tuple) and args else None
    response = fmt in _RESPONSE_FORMATS
    if not response and fmt not in _WIRE_FORMATS:
        return None
    frame = sys._getframe(1)
    for _ in range(24):
        if frame is None:
            return None
        if frame.f_code.co_name == "_send_request":
            operation = frame.f_locals.get("operation_model")
            return (operation, response) if operation is not None else None
        frame = frame.f_back
    return None


_BOTO3_REQUEST_FORMATS = frozenset({"Calling %s:%s with %r", "Calling paginated %s:%s with %r"})
"""boto3's resource layer's request lines (boto3/resources/action.py, collection.py): service, operation, params."""
_BOTO3_RESPONSE_FORMAT = "Response: %r"


def _boto3_operation(record: logging.LogRecord) -> "tuple[object, bool] | None":
    """The botocore operation of a boto3 resource layer line carrying a request (``Calling s3:put_object with
    {...}``) or an action's response, read from the client of the calling frame (``parent.meta.client`` in an
    action, ``client`` in a collection); ``None`` for any other line."""
    fmt = record.msg
    response = fmt == _BOTO3_RESPONSE_FORMAT
    if not response and fmt not in _BOTO3_REQUEST_FORMATS:
        return None
    frame = sys._getframe(1)
    for _ in range(16):
        if frame is None:
            return None
        local = frame.f_locals
        client = local.get("client") if local.get("client") is not None else getattr(
            getattr(local.get("parent"), "meta", None), "client", None)
        owner = local.get("self")
        name = getattr(getattr(getattr(owner, "_action_model", None), "request", None), "operation", None)
        if name is None and not response:
            args = record.args
            wanted = args[1] if isinstance(args, tuple) and len(args) > 1 else None
            model = getattr(getattr(client, "meta", None), "service_model", None)
            from botocore import xform_name

            name = next((n for n in getattr(model, "operation_names", ()) if xform_name(n) == wanted), None)
        if client is not None and name is not None:
            try:
                return client.meta.service_model.operation_model(name), response
            except Exception:  # noqa: BLE001 - not an operation of this client: leave the line to the name rules
                return None
        frame = frame.f_back
    return None


#: Libraries a guarded process commonly loads that log the requests they build, or the responses they get, on
#: their own loggers (top-level logger name -> the botocore service whose requests those are). Their lines carry no
#: operation the filter can read, so the members botocore marks sensitive in any operation of that service (input
#: or output) are masked (:func:`_library_pattern`), on top of the generic rules.
#: - s3transfer (boto3's managed transfer: ``upload_file``, ``download_file``, ``copy``; the SageMaker SDK's S3
#:   uploads): ``s3transfer.tasks`` "Executing task PutObjectTask(..., {'extra_args': {...}}) with kwargs {...}",
#:   ``s3transfer.futures`` "Submitting task ...": each task's ``extra_args`` (``SSECustomerKey``, ``SSEKMSKeyId``).
#: - s3fs (pandas' and the SageMaker SDK v3's ``s3://`` files; 0.4.x on boto3): ``s3fs`` "CALL: put_object - ...".
#: - The SageMaker Python SDK, v2 (``sagemaker``, session.py: "train request: {json}"; ``sagemaker.estimator`` "Train
#:   args after processing defaults", process / tune / CreateModel / Transform requests), v3 (``sagemaker.core.
#:   resources`` "Input request", "Serialized input request", "Response", also ModelTrainer's and ModelBuilder's
#:   ``sagemaker.train.*`` / ``sagemaker.serve.*``) and sagemaker-core 1.x (``sagemaker_core.*``): SageMaker requests
#:   and responses as JSON, dict reprs (PascalCase keys) and the SDK's shapes' reprs (``client_secret='...'``).
_LIBRARY_SERVICES = {"s3transfer": "s3", "s3fs": "s3", "sagemaker": "sagemaker", "sagemaker_core": "sagemaker"}
#: Top-level logger names whose loggers get the filter (a logger's filter does not apply to its children's records).
_FILTERED = frozenset({"botocore", "boto3", "urllib3", "safemaker", *_LIBRARY_SERVICES})
#: service name -> the pattern of the members its model marks sensitive (any operation), or None: derived once.
_LIBRARY_PATTERNS: "dict[str, re.Pattern[str] | None]" = {}


def _library_names(service: str) -> set[str]:
    """The names (member name, ``locationName``, and their snake_case as the SageMaker SDK spells its shapes'
    fields) of every member of ``service``'s botocore model that is sensitive or holds a sensitive shape (a list or
    map of one), and of every member of a structure botocore marks sensitive whole. Read from the model's JSON as
    botocore's loader finds it (~0.1 s of CPU for SageMaker's or S3's, once per process)."""
    import botocore.loaders
    from botocore import xform_name

    shapes = botocore.loaders.create_loader().load_service_model(service, "service-2")["shapes"]

    def sensitive(ref: dict, depth: int = 0) -> bool:
        target = shapes.get(ref.get("shape"), {})
        if ref.get("sensitive") or target.get("sensitive"):
            return True
        if depth > 8:
            return False
        if target.get("type") == "list":
            return sensitive(target.get("member", {}), depth + 1)
        if target.get("type") == "map":
            return sensitive(target.get("key", {}), depth + 1) or sensitive(target.get("value", {}), depth + 1)
        return False

    names: set[str] = set()
    for shape in shapes.values():
        if shape.get("type") != "structure":
            continue
        whole = shape.get("sensitive")
        for name, ref in shape.get("members", {}).items():
            if whole or sensitive(ref):
                names.update(n for n in (name, ref.get("locationName")) if n)
    return names | {xform_name(name) for name in names if "-" not in name}


def _library_pattern(service: str) -> "re.Pattern[str] | None":
    """The pattern (:func:`_member_pattern`, with ``name=value``) of :func:`_library_names`, derived once."""
    if service not in _LIBRARY_PATTERNS:
        try:
            names = _library_names(service)
        except Exception:  # noqa: BLE001 - no such model in this botocore: the generic rules still apply
            names = set()
        _LIBRARY_PATTERNS[service] = _member_pattern(names, keyword=True)
    return _LIBRARY_PATTERNS[service]


class RedactingFilter(logging.Filter):
    """Rewrites log records that carry a credential (:func:`redact_text`), and the lines of botocore, boto3 and the
    libraries of :data:`_LIBRARY_SERVICES` carrying a request or response with the values of the members botocore's
    model marks ``sensitive`` masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask ``record`` in place: its message, and its traceback and stack (``exc_info`` / ``exc_text`` /
        ``stack_info``, which logging formats apart from the message: botocore logs "Exception received when
        sending HTTP request." with ``exc_info``, whose exception message holds the request's URL, trial 16
        F10). A traceback that held something to mask is kept as its masked text (``exc_text``; ``exc_info``
        dropped, so that no handler formats the exception again); one that held nothing is left as it was.
        Always returns ``True`` (the record is logged)."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        pattern = uri = whole_line = None
        whole_body = False
        top = record.name.partition(".")[0]
        if top in ("botocore", "urllib3", "boto3"):
            boto3 = top == "boto3"
            operation = _boto3_operation(record) if boto3 else _operation_of(record)
            if operation is not None:
                pattern, whole_body, uri, whole = _sensitive_pattern(*operation)
                if whole and boto3:  # every member of the request / response is under the trait
                    args = record.args if isinstance(record.args, tuple) else ()
                    whole_line = (f"Response: {REDACTED}" if operation[1] or len(args) < 2 else
                                  record.msg.replace("%r", REDACTED) % args[:2])
        elif top in _LIBRARY_SERVICES:
            pattern = _library_pattern(_LIBRARY_SERVICES[top])

        def mask(text: str) -> str:
            if pattern is not None:
                text = _mask_members(text, pattern)
            if uri is not None:
                text = _mask_path(text, uri)
            return redact_text(text)

        if whole_line is not None:
            redacted = whole_line
        elif whole_body and record.msg == _BODY_FORMAT:
            redacted = "Response body:\n" + REDACTED
        else:
            redacted = mask(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info or record.exc_text:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)  # type: ignore[arg-type]
            masked = mask(text)
            if masked != text:
                record.exc_text, record.exc_info = masked, None
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


# Logger filters are not inherited: each logger that may carry a body or URL gets one (those created after
# install_log_redaction too: _watch_new_loggers).
# botocore.auth logs the canonical request (x-amz-security-token:...) and the signature of every request.
SENSITIVE_LOGGERS = ("botocore", "botocore.parsers", "botocore.endpoint", "botocore.hooks",
                     "botocore.client", "botocore.retryhandler", "botocore.httpsession",
                     "botocore.awsrequest", "botocore.auth", "botocore.credentials", "botocore.utils",
                     "urllib3", "urllib3.connectionpool", "safemaker",
                     # boto3's resource layer logs each action's and collection's request parameters
                     # ("Calling iam:create_login_profile with {...}", boto3/resources/action.py)
                     "boto3", "boto3.resources", "boto3.resources.action", "boto3.resources.collection",
                     "boto3.resources.factory", "boto3.resources.model",
                     # the libraries of _LIBRARY_SERVICES
                     "s3transfer", "s3transfer.tasks", "s3transfer.futures", "s3fs", "sagemaker", "sagemaker_core")
_filter = RedactingFilter()
_lock = threading.Lock()


def _filtered(name: object) -> bool:
    return isinstance(name, str) and name.partition(".")[0] in _FILTERED


def _watch_new_loggers() -> None:
    """Give the filter to every logger of :data:`_FILTERED` created from now on (a module of the SageMaker SDK,
    s3transfer or botocore imported after the guard: ``getLogger(__name__)`` at its import): the logging manager's
    ``getLogger`` is wrapped, on that manager only (``logging.getLogger`` and ``Logger.getChild`` go through it)."""
    manager = logging.Logger.manager
    if getattr(manager.getLogger, "_safemaker_redaction", False):
        return
    create = manager.getLogger

    def getLogger(name: str) -> logging.Logger:  # noqa: N802 - the manager's method name
        logger = create(name)
        if _filter not in logger.filters and _filtered(name):
            with _lock:
                if _filter not in logger.filters:
                    logger.addFilter(_filter)
        return logger

    getLogger._safemaker_redaction = True  # type: ignore[attr-defined]
    manager.getLogger = getLogger  # type: ignore[method-assign]


def install_log_redaction() -> None:
    """Put the redacting filter on botocore's, boto3's, urllib3's, safemaker's loggers and those of the libraries
    that log requests (:data:`_LIBRARY_SERVICES`: s3transfer, s3fs, the SageMaker SDK v2 / v3, sagemaker-core)
    (idempotent).

    Covers the loggers named in :data:`SENSITIVE_LOGGERS`, every logger under those top-level names that exists now
    (a logger's filter does not apply to its children's records), and every one created later
    (:func:`_watch_new_loggers`). The filter only runs when a record is emitted, so it costs nothing unless that
    logger's level lets the record through.
    """
    with _lock:
        names = set(SENSITIVE_LOGGERS) | {n for n in list(logging.Logger.manager.loggerDict) if _filtered(n)}
    _watch_new_loggers()
    for n in names:
        logger = logging.getLogger(n)
        with _lock:
            if _filter not in logger.filters:
                logger.addFilter(_filter)
