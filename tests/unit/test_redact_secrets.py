"""What a credential is, and that safemaker._redact masks it wherever it stands (trial 12 F01, F07).

Oracles, each quoted where it is used:

- presigned URLs: Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature
  Version 4)" (X-Amz-Credential, X-Amz-Signature, X-Amz-Security-Token) and "Query String Request Authentication
  Alternative" (Signature Version 2: AWSAccessKeyId, Signature, x-amz-security-token); SageMaker Developer Guide,
  "Connect to Studio through an interface VPC endpoint" (``.../auth?token=AuthToken``);
- which operations mint a URL or a session credential: botocore's service models (derived below, so that a new
  operation fails this module until its credential is classified);
- headers: RFC 6750 section 2.1 (``Authorization: Bearer mF_9.B5f-4.1JqM``), RFC 7617 section 2
  (``Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==``), RFC 9110 section 11.7.2 (Proxy-Authorization);
- AWS access keys: IAM User Guide, "Unique identifiers" (``AKIA`` access keys, ``ASIA`` temporary keys) and the
  documentation examples ``AKIAIOSFODNN7EXAMPLE`` / ``wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY``;
- token formats: GitHub changelog 2021-03-31 "Authentication token format updates" (``ghp_`` ``gho_`` ``ghu_``
  ``ghs_`` ``ghr_``), Hugging Face "User access tokens" (``hf_``), Slack "Token types" (``xoxb-``, ``xoxp-``).
"""

from __future__ import annotations

import dataclasses
import json
import re

import botocore.session
import pytest

from safemaker import _redact
from safemaker._redact import REDACTED, may_hold_secret, redact_text, redact_url, redact_value
from safemaker.errors import GuardrailViolation, Violation

from _profiles import ROLE

T = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Zm9vYmFy-_x"  # a JWT-shaped token
SIG4 = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
CRED4 = "AKIAIOSFODNN7EXAMPLE%2F20130721%2Fus-east-1%2Fs3%2Faws4_request"
STOKEN = "IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJHMEUCIQ"
S3_SIGV4 = ("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential={CRED4}&X-Amz-Date=20130721T201207Z&X-Amz-Expires=86400"
            f"&X-Amz-SignedHeaders=host&X-Amz-Security-Token={STOKEN}&X-Amz-Signature={SIG4}")
SIG2 = "vjSAMPLENmGa%2ByT272YEAiv4%3D"
S3_SIGV2 = ("http://quotes.s3.amazonaws.com/nelson?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1177363698"
            f"&Signature={SIG2}")


@pytest.mark.parametrize(("url", "secrets", "kept"), [
    (S3_SIGV4, [SIG4, CRED4, STOKEN, "AKIAIOSFODNN7EXAMPLE"],
     ["X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Date=20130721T201207Z", "X-Amz-Expires=86400",
      "X-Amz-SignedHeaders=host", "https://examplebucket.s3.amazonaws.com/test.txt?"]),
    (S3_SIGV2, [SIG2, "AKIAIOSFODNN7EXAMPLE"], ["Expires=1177363698", "http://quotes.s3.amazonaws.com/nelson?"]),
    (S3_SIGV2 + f"&x-amz-security-token={STOKEN}", [SIG2, STOKEN], ["Expires=1177363698"]),
    (f"https://d-abc123xyz.studio.us-west-2.sagemaker.aws/auth?token={T}", [T],
     ["https://d-abc123xyz.studio.us-west-2.sagemaker.aws/auth?token=***"]),
    (f"https://nb.notebook.us-east-1.sagemaker.aws?authToken={T}", [T], ["?authToken=***"]),
    # names are not case-sensitive (RFC 3986 leaves query names to the server; AWS documents both spellings)
    (f"https://h/p?TOKEN={T}&X-AMZ-SIGNATURE={SIG4}&x-amz-credential={CRED4}", [T, SIG4, CRED4], ["https://h/p?"]),
    # a presigned URL inside another URL (a redirect), percent-encoded, and a JSON-escaped "&"
    (f"https://signin/?redirect_uri=https%3A%2F%2Fd-1.studio.us-east-1.sagemaker.aws%2Fauth%3Ftoken%3D{T}%26x%3D1",
     [T], ["redirect_uri=https%3A%2F%2Fd-1.studio.us-east-1.sagemaker.aws%2Fauth%3Ftoken%3D***%26x%3D1"]),
    (f'{{"u": "https://h/p?a=1\\u0026authToken={T}"}}', [T], ["\\u0026authToken=***"]),
    # OAuth 2.0 (RFC 6749 4.2.2 access_token; RFC 6750 2.3 access_token URI query parameter)
    (f"https://h/cb#access_token={T}&token_type=Bearer", [T], ["token_type=Bearer"]),
])
def test_every_presigned_url_credential_is_masked(url, secrets, kept):
    for shown in (redact_url(url), redact_text(url)):
        for secret in secrets:
            assert secret not in shown
        for part in kept:
            assert part in shown
        assert REDACTED in shown


# ---------------------------------------------------------------- the operations that mint a URL or a credential

_READS = ("Describe", "List", "Get", "Search", "BatchDescribe", "BatchGet", "Query")


def _strings(shape, path=""):
    """(path, member name, shape) of every string in ``shape``, recursively."""
    seen: set[str] = set()

    def walk(shape, path, name):
        if shape.type_name == "structure":
            if shape.name in seen:
                return
            seen.add(shape.name)
            for member, sub in shape.members.items():
                yield from walk(sub, f"{path}.{member}", member)
        elif shape.type_name == "list":
            yield from walk(shape.member, f"{path}[]", name)
        elif shape.type_name == "map":
            yield from walk(shape.value, f"{path}{{}}", name)
        elif shape.type_name == "string":
            yield path, name, shape

    yield from walk(shape, path, "")


def _minting_operations() -> set[tuple[str, str]]:
    """From botocore: operations of SageMaker, SageMaker Unified Studio (DataZone) and SSM that mint a URL or
    hand out a credential: a SageMaker write whose response carries a URL, any operation named for the URL,
    token or credentials it returns, and any whose response carries a token (not a page's NextToken) or a
    secret key."""
    session = botocore.session.get_session()
    found = set()
    for service in ("sagemaker", "datazone", "ssm"):
        model = session.get_service_model(service)
        for name in model.operation_names:
            output = model.operation_model(name).output_shape
            if output is None:
                continue
            named = re.search(r"(Url|Urls|URL|Token|Credentials)$", name)
            for _path, member, shape in _strings(output):
                url = re.search(r"(Url|URL)$", member) and (
                    named or service == "sagemaker" and not name.startswith(_READS))
                token = re.search(r"(?i)Token(Value)?$", member) and member.lower() != "nexttoken"
                key = re.search(r"(?i)Secret\w*Key$", member)
                if url or token or key:
                    found.add((service, name))
    return found


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID = "ASIAIOSFODNN7EXAMPLE"
OAUTH_ACCESS, OAUTH_REFRESH, OAUTH_JWT, EMR_TOKEN = "oa-Acc3ss", "oa-R3fresh", "eyJhbGciOi.jwt.x", "emr-T0ken"
#: botocore (DataZone connections): oAuth2Credentials accessToken / refreshToken / jwtToken, and an EMR managed
#: endpoint's credentials token.
_CONNECTION = {
    "connectionId": "c-1", "physicalEndpoints": [{"glueConnection": {"authenticationConfiguration": {
        "oAuth2Properties": {"tokenUrl": "https://login.example.com/oauth2/token", "oAuth2Credentials": {
            "accessToken": OAUTH_ACCESS, "refreshToken": OAUTH_REFRESH, "jwtToken": OAUTH_JWT}}}}}],
    "props": {"sparkEmrProperties": {"managedEndpointCredentials": {"id": "me-1", "token": EMR_TOKEN}}}}
#: Each operation the models give, with a response in the form AWS documents and the secrets in it.
MINTED = {
    # Developer Guide, Studio through an interface VPC endpoint: {"AuthorizedUrl": ".../auth?token=AuthToken"}
    ("sagemaker", "CreatePresignedDomainUrl"): (
        {"AuthorizedUrl": f"https://d-abc123xyz.studio.us-east-1.sagemaker.aws/auth?token={T}"}, [T]),
    # Developer Guide, notebook instances through an interface VPC endpoint: "?authToken=..."
    ("sagemaker", "CreatePresignedNotebookInstanceUrl"): (
        {"AuthorizedUrl": f"https://nb.notebook.us-east-1.sagemaker.aws?authToken={T}"}, [T]),
    # botocore: "A presigned URL with an authorization token" (the UI's authToken parameter)
    ("sagemaker", "CreatePresignedMlflowTrackingServerUrl"): (
        {"AuthorizedUrl": f"https://t-abc.us-east-1.experiments.sagemaker.aws/auth?authToken={T}"}, [T]),
    ("sagemaker", "CreatePresignedMlflowAppUrl"): (
        {"AuthorizedUrl": f"https://app-abc.us-east-1.experiments.sagemaker.aws/auth?authToken={T}"}, [T]),
    # botocore: "The presigned URL that you can use to access the SageMaker Partner AI App" (form not documented:
    # its credential is a query parameter named as a token, as Studio's)
    ("sagemaker", "CreatePartnerAppPresignedUrl"): (
        {"Url": f"https://app-abc.partner-app.us-east-1.sagemaker.aws/auth?token={T}"}, [T]),
    # botocore: "presigned URLs for accessing hub content artifacts" (S3 SigV4 presigned URLs)
    ("sagemaker", "CreateHubContentPresignedUrls"): (
        {"AuthorizedUrlConfigs": [{"Url": S3_SIGV4, "LocalPath": "model.safetensors"}]}, [SIG4, CRED4, STOKEN]),
    # botocore: "The URL to the created domain": no credential, shown whole
    ("sagemaker", "CreateDomain"): (
        {"DomainArn": "arn:aws:sagemaker:us-east-1:123456789012:domain/d-abc", "DomainId": "d-abc",
         "Url": "https://d-abc.studio.us-east-1.sagemaker.aws"}, []),
    # botocore: TokenValue "An encrypted token value containing session and caller information"
    ("sagemaker", "StartSession"): (
        {"SessionId": "s-1", "StreamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/s-1?role="
                                          "publish_subscribe", "TokenValue": T}, [T]),
    ("ssm", "StartSession"): (
        {"SessionId": "u-0a", "StreamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/u-0a?role="
                                           "publish_subscribe&cell-number=AAEAA", "TokenValue": T}, [T]),
    ("ssm", "ResumeSession"): ({"SessionId": "u-0a", "StreamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/"
                                "data-channel/u-0a?role=publish_subscribe", "TokenValue": T}, [T]),
    # botocore: Credentials.SecretAccessKey / SessionToken, sensitive
    ("ssm", "GetAccessToken"): (
        {"Credentials": {"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "SessionToken": T,
                         "ExpirationTime": 1.7e9}, "AccessRequestStatus": "Approved"}, [SECRET, T, KEY_ID]),
    # botocore: CallbackToken "The pipeline generated token from the Amazon SQS queue" (SendPipelineExecutionStep
    # Success/Failure take it)
    ("sagemaker", "ListPipelineExecutionSteps"): (
        {"PipelineExecutionSteps": [{"StepName": "cb", "Metadata": {"Callback": {
            "CallbackToken": "Zk9xT2x1ZkN2d3BCb3Vk", "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/1/q"}}}]},
        ["Zk9xT2x1ZkN2d3BCb3Vk"]),
    # botocore: GetEnvironmentCredentials accessKeyId / secretAccessKey / sessionToken
    ("datazone", "GetEnvironmentCredentials"): (
        {"accessKeyId": KEY_ID, "secretAccessKey": SECRET, "sessionToken": T, "expiration": "2026-12-07T10:00:00Z"},
        [KEY_ID, SECRET, T]),
    # botocore: authCodeUrl "The data portal URL" (its form is not documented: a sign-in URL carries an OAuth
    # authorization code, RFC 6749 section 4.1.2 "code")
    ("datazone", "GetIamPortalLoginUrl"): (
        {"authCodeUrl": f"https://dzd_abc123.sagemaker.us-east-1.on.aws/auth?code={T}&state=s1",
         "userProfileId": "up-1"}, [T]),
    **{("datazone", op): (_CONNECTION, [OAUTH_ACCESS, OAUTH_REFRESH, OAUTH_JWT, EMR_TOKEN])
       for op in ("CreateConnection", "UpdateConnection")},
    ("datazone", "GetConnection"): (
        {**_CONNECTION, "connectionCredentials": {"accessKeyId": KEY_ID, "secretAccessKey": SECRET,
                                                  "sessionToken": T}},
        [OAUTH_ACCESS, OAUTH_REFRESH, OAUTH_JWT, EMR_TOKEN, KEY_ID, SECRET, T]),
    ("datazone", "ListConnections"): ({"items": [_CONNECTION]}, [OAUTH_ACCESS, OAUTH_REFRESH, OAUTH_JWT, EMR_TOKEN]),
}


def test_every_operation_that_mints_a_url_or_credential_is_classified():
    """A new operation of the installed botocore fails here until its credential is added to MINTED."""
    assert _minting_operations() == set(MINTED)


@pytest.mark.parametrize("operation", sorted(MINTED))
def test_what_botocore_logs_of_a_minted_response_carries_no_secret(operation):
    response, secrets = MINTED[operation]
    body = json.dumps(response).encode()
    # botocore.parsers logs "Response body:\n%r" of the bytes; safemaker and users print the parsed dict.
    for text in (f"Response body:\n{body!r}", repr(response), json.dumps(response)):
        shown = redact_text(text)
        for secret in secrets:
            assert secret not in shown
        if not secrets:
            assert shown == text  # nothing to mask: kept whole
        for kept in ("SessionId", "s-1", "d-abc", "LocalPath", "Approved"):
            assert (kept in shown) == (kept in text)


# ---------------------------------------------------------------- free text: script lines, commands, logs

GHP = "ghp_" + "R3pr0T0kenDoNotPrint0123456789abcdef"[:36]
HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"


@pytest.mark.parametrize(("text", "expected"), [
    # RFC 6750 2.1, RFC 7617 2, RFC 9110 11.7.2: the scheme stays, the credentials go
    ("Authorization: Bearer mF_9.B5f-4.1JqM", "Authorization: Bearer ***"),
    ("Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Authorization: Basic ***"),
    ("Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Proxy-Authorization: Basic ***"),
    (f'curl -H "Authorization: Bearer {GHP}" https://api.github.com/repos/acme/x/tarball -o x.tgz',
     'curl -H "Authorization: Bearer ***" https://api.github.com/repos/acme/x/tarball -o x.tgz'),
    (f"curl --header 'authorization: token {GHP}' https://api.github.com/x",
     "curl --header 'authorization: token ***' https://api.github.com/x"),
    ("wget --header='Authorization: Bearer abc.def' https://h/x",
     "wget --header='Authorization: Bearer ***' https://h/x"),
    # botocore.endpoint's log of a SigV4 request's headers
    ("{'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
     "SignedHeaders=host;x-amz-date, Signature=" + SIG4 + "'}", "{'Authorization': b'AWS4-HMAC-SHA256 ***'}"),
    # curl -u user:password (the user name stays)
    ("curl -u alice:s3cr3t https://h/x", "curl -u alice:*** https://h/x"),
    (f"curl --user 'bot:{GHP}' https://h/x", "curl --user 'bot:***' https://h/x"),
    # secret-named assignments, headers, keys and options
    (f"export HF_TOKEN={HF}; huggingface-cli download acme/model",
     "export HF_TOKEN=***; huggingface-cli download acme/model"),
    ("export HF_TOKEN=hf_short; huggingface-cli login", "export HF_TOKEN=***; huggingface-cli login"),
    (f"AWS_SECRET_ACCESS_KEY={SECRET} AWS_SESSION_TOKEN={T} aws s3 cp s3://b/k .",
     "AWS_SECRET_ACCESS_KEY=*** AWS_SESSION_TOKEN=*** aws s3 cp s3://b/k ."),
    ("aws_secret_access_key = " + SECRET, "aws_secret_access_key = ***"),
    ('DB_PASSWORD="hunter2" python app.py', 'DB_PASSWORD="***" python app.py'),
    ('os.environ["WANDB_API_KEY"] = "0123456789abcdef"', 'os.environ["WANDB_API_KEY"] = "***"'),
    ("-H 'PRIVATE-TOKEN: abc123' https://gitlab.example.com/api",
     "-H 'PRIVATE-TOKEN: ***' https://gitlab.example.com/api"),
    ("docker login --password hunter2 --username bot reg", "docker login --password *** --username bot reg"),
    ("huggingface-cli login --token=abc123", "huggingface-cli login --token=***"),
    ("{'SecretAccessKey': 'abc', 'SessionToken': 'def'}", "{'SecretAccessKey': '***', 'SessionToken': '***'}"),
    ("<SessionToken>abc</SessionToken><SecretAccessKey>def</SecretAccessKey>",
     "<SessionToken>***</SessionToken><SecretAccessKey>***</SecretAccessKey>"),
    ("x-amz-security-token:FwoGZXIvYXdz\nx-amz-target:SageMaker.X",
     "x-amz-security-token:***\nx-amz-target:SageMaker.X"),
    # secrets given as a positional word: a .netrc line, `aws configure set` (AWS CLI User Guide)
    ("echo 'machine github.com login bot password s3cr3t' >> ~/.netrc",
     "echo 'machine github.com login bot password ***' >> ~/.netrc"),
    (f"aws configure set aws_secret_access_key {SECRET} && aws configure set region us-east-1",
     "aws configure set aws_secret_access_key *** && aws configure set region us-east-1"),
    # documented formats wherever they stand (the prefix stays, so the line can be found)
    ("twine upload -p pypi-AgEIcHlwaS5vcmcCJGFiY2RlZjAxMjM0NTY3ODk dist/*", "twine upload -p pypi-*** dist/*"),
    ("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", "aws configure set aws_access_key_id AKIA***"),
    (f"git clone https://github.com/acme/x.git && echo {GHP}",
     "git clone https://github.com/acme/x.git && echo ghp_***"),
    (f"token {'gho_' + GHP[4:]} and {'github_pat_11ABCDEFG0123456789_abcdefghijklmnop'}",
     "token gho_*** and github_pat_***"),
    (f"echo {HF} | huggingface-cli login", "echo hf_*** | huggingface-cli login"),
    ("post xoxb-1234567890-0987654321-AbCdEf to slack", "post xoxb-*** to slack"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
     "-----BEGIN OPENSSH PRIVATE KEY-----***-----END OPENSSH PRIVATE KEY-----"),
    # OpenPGP ASCII armor (RFC 4880, 6.2: "BEGIN PGP PRIVATE KEY BLOCK"), the trial 15 side note
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF4x7w0BCAC1\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----",
     "-----BEGIN PGP PRIVATE KEY BLOCK-----***-----END PGP PRIVATE KEY BLOCK-----"),
    ("key: -----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF4x7w0BCAC1",
     "key: -----BEGIN PGP PRIVATE KEY BLOCK-----***"),
    # trial 12b F05. curl(1): "--oauth2-bearer <token>  Specify the Bearer Token for OAUTH 2.0"
    ("curl --oauth2-bearer mF_9.B5f-4.1JqM https://api.example.com/m.tgz",
     "curl --oauth2-bearer *** https://api.example.com/m.tgz"),
    # docker login: "-p, --password string  Password" (also podman login)
    ("docker login -u AWS -p Zq9Dock3r public.ecr.aws && docker pull x", "docker login -u AWS -p *** public.ecr.aws"
     " && docker pull x"),
    ("podman login --username bot --password=Zq9Dock3r quay.io", "podman login --username bot --password=*** quay.io"),
    # MySQL manual, "Command Options for Connecting": "--password[=password], -p[password]" (no space after -p)
    ("mysql -h db.example.com -u admin -pZq9My5ql -e 'select 1'", "mysql -h db.example.com -u admin -p*** -e 'select 1'"),
    ("mysqldump -u root -p'Zq9 My5ql' db > d.sql", "mysqldump -u root -p'***' db > d.sql"),
    ("mysql --user=admin --password=Zq9My5ql db", "mysql --user=admin --password=*** db"),
    ("MYSQL_PWD=Zq9My5ql mysql -u admin", "MYSQL_PWD=*** mysql -u admin"),
    # sshpass(1): "-p password  The password is given on the command line"
    ("sshpass -p Zq9SshPass scp u@h:/m.tgz .", "sshpass -p *** scp u@h:/m.tgz ."),
    ("sshpass -v -pZq9SshPass ssh u@h", "sshpass -v -p*** ssh u@h"),
    # npm docs, "npmrc": per-registry "_authToken", "_auth", "_password"; `npm config set <key> <value>` or key=value
    ("echo '//registry.npmjs.org/:_authToken=npm_Zq9NpmT0ken' > ~/.npmrc",
     "echo '//registry.npmjs.org/:_authToken=***' > ~/.npmrc"),
    ("npm config set //registry.npmjs.org/:_authToken npm_Zq9NpmT0ken", "npm config set //registry.npmjs.org/:_authToken ***"),
    ("//npm.example.com/:_auth=dXNlcjpwYXNz", "//npm.example.com/:_auth=***"),
    # Azure Storage connection string (Azure docs, "Configure Azure Storage connection strings": AccountKey=)
    ("AZ=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zq9Az+ure/Key==;EndpointSuffix=core.windows.net",
     "AZ=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net"),
    # *_PWD, *_PASS, PASSPHRASE, *PASSWD* as variable names
    ("DB_PASS=Zq9Pass ADMIN_PWD=Zq9Pwd GPG_PASSPHRASE=Zq9Phrase SMB_PASSWD_X=Zq9Passwd ./run",
     "DB_PASS=*** ADMIN_PWD=*** GPG_PASSPHRASE=*** SMB_PASSWD_X=*** ./run"),
    # openssl-passphrase-options(1): "pass:password  The actual password is password"; openssl-enc(1) "-k password"
    ("openssl enc -d -aes-256-cbc -pass pass:Zq9Open55l -in m.enc", "openssl enc -d -aes-256-cbc -pass pass:*** -in m.enc"),
    ("openssl pkcs12 -in c.p12 -passin pass:Zq9Open55l -passout pass:Zq9Other", "openssl pkcs12 -in c.p12 -passin pass:***"
     " -passout pass:***"),
    ("openssl enc -aes-256-cbc -k Zq9Open55l -in m", "openssl enc -aes-256-cbc -k *** -in m"),
    # RFC 7519 section 3.1's example JWT (JWS compact: header.payload.signature), and an unsecured one (6.1)
    ("cookie=eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
     "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk done", "cookie=eyJ*** done"),
    ("echo eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UifQ. | x", "echo eyJ*** | x"),
    # a Python string prefix (Jupyter: c.NotebookApp.password = u'sha1:...')
    ("c.NotebookApp.password = u'sha1:67c9e60bb8b6:9ffede0825894254b2e042ea597d771089e11aed'",
     "c.NotebookApp.password = u'***'"),
    # trial 12b F07: JSON carried as a string in JSON (botocore's body of a serviceRequestPayload, a Step Functions
    # definition, a Scheduler Input), once, twice, and in the repr() of the bytes botocore logs
    ('{"serviceRequestPayload": "{\\"Environment\\": {\\"HF_TOKEN\\": \\"Zq9Esc\\", \\"A\\": \\"b\\"}}"}',
     '{"serviceRequestPayload": "{\\"Environment\\": {\\"HF_TOKEN\\": \\"***\\", \\"A\\": \\"b\\"}}"}'),
    ('b\'{"definition": "{\\\\\\"x\\\\\\": \\\\\\"{\\\\\\\\\\\\\\"DB_PASSWORD\\\\\\\\\\\\\\": '
     '\\\\\\\\\\\\\\"Zq9Esc2\\\\\\\\\\\\\\"}\\\\\\"}"}\'',
     'b\'{"definition": "{\\\\\\"x\\\\\\": \\\\\\"{\\\\\\\\\\\\\\"DB_PASSWORD\\\\\\\\\\\\\\": '
     '\\\\\\\\\\\\\\"***\\\\\\\\\\\\\\"}\\\\\\"}"}\''),
])
def test_free_text_secrets_are_masked_and_the_line_kept(text, expected):
    assert redact_text(text) == expected


#: Values a violation shows every day: none holds a secret, so none may change.
NOT_SECRETS = [
    "Enabled", "subnet-0aaaaaaaaaaaaaaaa", "arn:aws:iam::123456789012:role/SageMakerExecRole",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:git-token-AbCdEf", "SecretArn: arn:aws:secretsmanager:x",
    "pip install -r requirements.txt --index-url https://pypi.org/simple", "pip install --user hf_transfer",
    "python -u train.py --epochs 3", "git clone https://github.com/acme/train.git", "set -euo pipefail",
    "TOKENIZERS_PARALLELISM=false", "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/token", "HF_TOKEN=$HF_TOKEN python x",
    'curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com', "KmsKeyId=alias/aws/sagemaker",
    "docker login --password-stdin -u bot reg", "https://d-abc.studio.us-east-1.sagemaker.aws/lab",
    "s3://bucket/prefix/token-list.json", "SM-PRE-LIFECYCLE-FETCH", "git@github.com:acme/train.git",
    "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/s-1?role=publish_subscribe",
    "token_url: https://login.example.com/oauth2/token", "TokenType: Bearer", "aws configure set region us-east-1",
    "set -x; pip install pypi-simple", "login bot password $NETRC_PASSWORD",
    # trial 12b F05's forms, where the same letters hold no secret
    "mkdir -p /home/ec2-user/SageMaker/envs", "ssh -p 2222 u@h", "docker run -p 8080:80 img", "cd $PWD && ls",
    "PWD=/home/ec2-user OLDPWD=/tmp", "mysql -u admin -p mydb", "docker login -u AWS --password-stdin reg",
    "sshpass -f ~/.pw ssh u@h", "docker login -u AWS -p $ECR_PASSWORD reg", "PASSWORD_FILE=/run/pw",
    "openssl enc -pass env:PASSPHRASE -in x", "PASSTHROUGH=1 BYPASS=1 COMPASS=north", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
    "eyJhbGciOiJIUzI1NiJ9", '{"serviceRequestPayload": "{\\"TrainingJobName\\": \\"t\\"}"}',
]



SECRET_IN_JSON = "Zq9Tail5ecret"
#: Secret values that hold quotes and backslashes (trial 15 F01): JSON text (Secrets Manager's SecretString: "We
#: recommend you use a JSON structure of key/value pairs"), a double quote (an OIDC ClientSecret), both quotes, a
#: backslash before the secret, JSON text holding JSON text.
_AWKWARD_SECRETS = [json.dumps({"username": "admin", "pw": SECRET_IN_JSON}), 'a"b' + SECRET_IN_JSON,
                    "it's \"q\" " + SECRET_IN_JSON, "x\\" + SECRET_IN_JSON, "x\\\"" + SECRET_IN_JSON,
                    json.dumps({"a": json.dumps({"pw": "p", "k": SECRET_IN_JSON})})]


def _carriers(key: str, value: str) -> list[str]:
    """The forms a secret-named member's value is shown in: JSON, JSON in a JSON string once and twice, botocore's
    log of the request (repr of the dict holding the body's bytes) and of the response body (repr of the bytes), the
    repr of a parsed response (a str repr, quoted either way)."""
    body = json.dumps({"Name": "db", key: value, "After": "shown"})
    nested = json.dumps({"payload": body, "After": "shown"})
    return [body, nested, json.dumps({"outer": nested}), str({"body": body.encode(), "After": "shown"}),
            f"Response body:\n{body.encode()!r}", repr({"Name": "db", key: value, "After": "shown"}),
            repr({"x": nested})]


@pytest.mark.parametrize("value", _AWKWARD_SECRETS)
@pytest.mark.parametrize("key", ["SecretString", "ClientSecret", "DB_PASSWORD", "SessionToken"])
def test_a_quoted_secret_is_masked_to_its_real_end_whatever_escapes_it_holds(key, value):
    for text in _carriers(key, value):
        shown = redact_text(text)
        assert SECRET_IN_JSON not in shown, (text, shown)
        assert "shown" in shown and "db" in shown, (text, shown)  # the members after it are kept

@pytest.mark.parametrize("text", NOT_SECRETS)
def test_what_holds_no_secret_is_shown_whole(text):
    assert redact_text(text) == text
    assert redact_text(text) is text  # nothing copied


def _rule_texts() -> list[str]:
    """Every text of the rule tables and preflight checks (what a violation's fix and required say)."""
    from safemaker import rules, rules_guardrails
    from safemaker.preflight._specs import CHECKS

    texts: list[str] = []

    def collect(value, depth=0):
        if depth > 6:
            return
        if isinstance(value, str):
            texts.append(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                collect(getattr(value, field.name), depth + 1)
        elif isinstance(value, (list, tuple, frozenset, set)):
            for item in value:
                collect(item, depth + 1)
        elif isinstance(value, dict) or hasattr(value, "items"):
            for key, item in value.items():
                collect(key, depth + 1)
                collect(item, depth + 1)

    for table in (rules_guardrails.GUARDRAILS, CHECKS, rules.RULES, rules.NOT_REFERENCES):
        collect(dict(table))
    return sorted(set(texts))


def test_no_text_of_the_rule_tables_is_masked():
    texts = _rule_texts()
    assert len(texts) > 200
    changed = [text for text in texts if redact_text(text) != text]
    assert changed == []


def test_the_pre_test_never_misses_a_text_that_is_masked():
    """may_hold_secret() is the guard's cheap pre-test: False must mean nothing would be masked."""
    samples = [text for text, _ in test_free_text_secrets_are_masked_and_the_line_kept.pytestmark[0].args[1]]
    samples += [url for url, _, _ in test_every_presigned_url_credential_is_masked.pytestmark[0].args[1]]
    samples += [json.dumps(response) for response, _ in MINTED.values()]
    samples += NOT_SECRETS + _rule_texts()
    for text in samples:
        for variant in (text, text.upper(), text.lower()):
            assert may_hold_secret(variant) or _redact._redact_all(variant) == variant, variant
    assert not may_hold_secret("Enabled") and not may_hold_secret("subnet-0aaaaaaaaaaaaaaaa")


def test_redact_text_and_value_types():
    with pytest.raises(TypeError, match=r"redact_text\(\) takes a str, not bytes"):
        redact_text(b"token=x")
    value = {"a": [f"HF_TOKEN={HF}", 3], "b": ("x",)}
    assert redact_value(value) == {"a": ["HF_TOKEN=***", 3], "b": ("x",)}
    kept = {"a": ["x"]}
    assert redact_value(kept) is kept
    # trial 12b F05: a mapping's value whose key names a secret is masked whole, at any depth (the _redact promise:
    # "the value of ... a mapping key ... whose name says it holds a secret")
    secret = {"Environment": {"HF_TOKEN": "Zq9Plain", "DB_PASSWORD": "x y", "A": "b", "HF_TOKEN_FILE": "/p",
                              "GIT_TOKEN": "$GIT_TOKEN"}, "headers": [{"Authorization": "Bearer Zq9Bearer"}]}
    assert redact_value(secret) == {"Environment": {"HF_TOKEN": "***", "DB_PASSWORD": "***", "A": "b",
                                                    "HF_TOKEN_FILE": "/p", "GIT_TOKEN": "$GIT_TOKEN"},
                                    "headers": [{"Authorization": "Bearer ***"}]}
    assert redact_value({"HF_TOKEN": "***"}) == {"HF_TOKEN": "***"}


# Trial 13 F01: secrets by what a value is -- HTTP headers that carry a credential, URLs whose path or query is the
# credential, documented key formats. Each expected value keeps the line (command, host, path up to the secret).
@pytest.mark.parametrize("text, expected", [
    # RFC 6265: a session cookie is a bearer credential; every cookie of the header goes
    ('curl -s -H "Cookie: sessionid=Zq8cookie42; csrftoken=Zq8csrf" https://internal.example.com/b.sh | bash',
     'curl -s -H "Cookie: ***" https://internal.example.com/b.sh | bash'),
    ("wget --header='Cookie: sid=Zq8c' https://h/x", "wget --header='Cookie: ***' https://h/x"),
    ("Cookie: sid=Zq8c; theme=dark", "Cookie: ***"),
    ("Set-Cookie: sid=Zq8c; Path=/; Secure; HttpOnly", "Set-Cookie: ***; Secure; HttpOnly"),
    ('requests.get(u, headers={"Cookie": "sid=Zq8c; a=b", "Accept": "text/html"})',
     'requests.get(u, headers={"Cookie": "***", "Accept": "text/html"})'),
    # curl(1): "-b, --cookie <data|filename>  Pass the data to the HTTP server in the Cookie header"
    ('curl -b "sid=Zq8c" https://h/x', 'curl -b "***" https://h/x'),
    ("curl --cookie sid=Zq8c https://h/x", "curl --cookie *** https://h/x"),
    # headers named for a key or token
    ('curl -H "X-Api-Key: Zq8k" -H "X-Auth-Token: Zq8t" -H "Ocp-Apim-Subscription-Key: Zq8s" https://h/x',
     'curl -H "X-Api-Key: ***" -H "X-Auth-Token: ***" -H "Ocp-Apim-Subscription-Key: ***" https://h/x'),
    ('curl -H "Proxy-Authorization: Basic Zm9vOmJhcg==" https://h/x',
     'curl -H "Proxy-Authorization: Basic ***" https://h/x'),
    # Slack: "Your webhook URL contains a secret. Don't share it online"
    ("curl -X POST https://hooks.slack.com/services/T0000/B0000/XyZslackWEBHOOKsecret42 -d started",
     "curl -X POST https://hooks.slack.com/services/T0000/B0000/*** -d started"),
    ("https://hooks.slack.com/triggers/T0000/1234/Zq8trigger", "https://hooks.slack.com/triggers/T0000/1234/***"),
    ("https://discord.com/api/webhooks/123456789/Zq8-discord_token", "https://discord.com/api/webhooks/123456789/***"),
    ("https://acme.webhook.office.com/webhookb2/1111@2222/IncomingWebhook/3333/4444",
     "https://acme.webhook.office.com/webhookb2/***"),
    ("https://hooks.zapier.com/hooks/catch/123/abc/", "https://hooks.zapier.com/hooks/catch/***"),
    ("https://maker.ifttt.com/trigger/done/with/key/Zq8ifttt", "https://maker.ifttt.com/trigger/done/with/key/***"),
    ("https://api.telegram.org/bot123456:AAZq8-tele_gram/sendMessage", "https://api.telegram.org/bot***/sendMessage"),
    ("https://chat.example.com/hooks/xfuk8a1rpjf5jd6g7tq9o3dc1a", "https://chat.example.com/hooks/***"),
    # query parameters named key / token / sig / signature / secret / password
    ('curl "https://www.googleapis.com/storage/v1/b/x/o?key=AIzaSyD-googleAPIkeySECRET0123456789ab&alt=json"',
     'curl "https://www.googleapis.com/storage/v1/b/x/o?key=***&alt=json"'),
    ("https://h/x?token=a&sig=b&signature=c&secret=d&password=e&pwd=f&auth=g&subscription-key=h&page=2",
     "https://h/x?token=***&sig=***&signature=***&secret=***&password=***&pwd=***&auth=***&subscription-key=***"
     "&page=2"),
    # documented formats wherever they stand
    ("echo AIzaSyD-googleAPIkeySECRET0123456789ab > key", "echo AIza*** > key"),
    ("STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc ./run", "STRIPE=sk_live_*** ./run"),
    ("npm_abcdefghijklmnopqrstuvwxyz0123456789 in .npmrc", "npm_*** in .npmrc"),
])
def test_F01_secrets_by_what_a_value_is(text, expected):
    assert redact_text(text) == expected
    assert redact_text(expected) == expected
    assert may_hold_secret(text)


@pytest.mark.parametrize("text", [
    "https://hooks.slack.com/", "https://discord.com/channels/123/456", "https://github.com/acme/x/settings/hooks/12",
    "curl -s https://internal.example.com/b.sh | bash", "Cookie: $COOKIE", 'curl -b "$COOKIE_JAR" https://h/x',
    "https://h/x?page=2&sort=asc", "KmsKeyId=alias/aws/sagemaker", "https://h/x?monkey=1",
])
def test_F01_what_only_looks_like_one_is_kept(text):
    assert redact_text(text) == text


def test_F01_a_mapping_keyed_cookie_is_masked():
    assert redact_value({"headers": {"Cookie": "sid=Zq8c; a=b", "Set-Cookie": "sid=Zq8c", "Accept": "x"}}) == {
        "headers": {"Cookie": "***", "Set-Cookie": "***", "Accept": "x"}}


def test_a_violation_never_carries_the_secret_of_a_script_line():
    line = f'curl -H "Authorization: Bearer {GHP}" https://api.github.com/x -o x.tgz'
    violation = Violation("CreateNotebookInstanceLifecycleConfig", "OnStart[0].Content line 2", line,
                          "no fetch from the internet", "Fetch from S3 instead", "SM-PRE-LIFECYCLE-FETCH")
    refusal = GuardrailViolation("CreateNotebookInstanceLifecycleConfig", [violation])
    for text in (str(refusal), repr(violation), json.dumps(violation.as_dict()), violation.message()):
        assert GHP not in text
    assert violation.found == 'curl -H "Authorization: Bearer ***" https://api.github.com/x -o x.tgz'


def test_the_guard_fast_path_masks_what_a_refused_request_carries(monkeypatch):
    """_Ctx.violation (the guard's own, which skips Violation.__post_init__) masks as __post_init__ does."""
    from safemaker import guard

    from _profiles import make_profile

    made = []
    real = guard._Ctx.violation

    def spy(self, path, found, *args, **kwargs):
        made.append(found)
        return real(self, path, found, *args, **kwargs)

    monkeypatch.setattr(guard._Ctx, "violation", spy)
    value = f"HF_TOKEN={HF}"  # a value where the model has an enum: refused, and shown
    with pytest.raises(GuardrailViolation) as exc:
        guard.apply("CreateNotebookInstance", {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium",
                                               "RoleArn": ROLE, "DirectInternetAccess": value}, make_profile())
    assert value in made  # the fast path made it
    shown = [v for v in exc.value.violations if v.path == "DirectInternetAccess"]
    assert [v.found for v in shown] == ["HF_TOKEN=***"]
    assert HF not in str(exc.value) and HF not in json.dumps([v.as_dict() for v in exc.value.violations])
    # The fast path remembers texts found clean, never one that held a secret; a second refusal masks again.
    assert value not in guard._CLEAN_TEXTS
    with pytest.raises(GuardrailViolation) as again:
        guard.apply("CreateNotebookInstance", {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium",
                                               "RoleArn": ROLE, "DirectInternetAccess": value}, make_profile())
    assert HF not in str(again.value)


def test_masking_twice_changes_nothing_more():
    """A refusal's message is made of masked violations and masked again as an error message."""
    samples = [text for text, _ in test_free_text_secrets_are_masked_and_the_line_kept.pytestmark[0].args[1]]
    samples += [url for url, _, _ in test_every_presigned_url_credential_is_masked.pytestmark[0].args[1]]
    for text in samples:
        once = redact_text(text)
        assert redact_text(once) == once


def test_an_error_message_never_quotes_a_credential():
    from safemaker.errors import InputError

    error = InputError("DefaultCodeRepository", f"https://github.com/acme/x.git?access_token={GHP}", "a git URL",
                       "Use an AWS CodeCommit repository.")
    assert GHP not in str(error) and "access_token=***" in str(error)
    assert error.found.endswith(GHP)  # the attribute keeps the value for the program


def test_an_audit_finding_and_its_sarif_never_quote_a_credential():
    """An UNKNOWN finding of a source file quotes a value it could not verify: masked as a violation is."""
    import io

    from safemaker.audit import Finding, Severity, write_sarif

    line = f"curl -H 'Authorization: Bearer {GHP}' https://api.github.com/x"
    finding = Finding("SM-REFERENCE", "UNKNOWN", Severity.HIGH, "notebook-instance-lifecycle-config",
                      "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/lc", "lc",
                      "us-east-1", f"OnStart[0].Content ({line})", f"cannot be verified: {line!r}",
                      "a value written in the template", None, "Write the value in the template", "investigate")
    sarif = io.StringIO()
    write_sarif([finding], sarif, tool_version="0")
    for text in (finding.message(), json.dumps(finding.as_dict()), sarif.getvalue()):
        assert GHP not in text
        assert "Authorization: Bearer ***" in text


def test_the_log_filter_covers_safemakers_own_loggers(caplog):
    """A filter on a logger does not apply to its children's records: each existing safemaker.* logger gets one."""
    import logging

    from safemaker._redact import RedactingFilter, install_log_redaction

    child = logging.getLogger("safemaker.hooks")
    install_log_redaction()
    assert any(isinstance(f, RedactingFilter) for f in child.filters)
    caplog.set_level(logging.INFO, logger="safemaker.hooks")
    child.info("sent %s", f"https://d-1.studio.us-east-1.sagemaker.aws/auth?token={T}")
    assert T not in caplog.text and "auth?token=***" in caplog.text


def test_a_record_s_traceback_and_stack_are_masked_and_a_clean_one_kept_whole(caplog):
    """Trial 16 F10: logging formats a record's ``exc_info`` (or ``exc_text``) and ``stack_info`` apart from its
    message (``logging.Formatter.format``), so the filter masks them too: a traceback that held a secret is shown
    masked (its text kept, the exception object dropped so that no handler formats it again); one with nothing to
    mask keeps its ``exc_info``."""
    import logging

    from safemaker._redact import install_log_redaction

    log = logging.getLogger("safemaker.hooks")
    install_log_redaction()
    caplog.set_level(logging.DEBUG, logger="safemaker.hooks")
    url = f"https://d-1.studio.us-east-1.sagemaker.aws/auth?token={T}"
    try:
        raise ValueError(f"could not open {url}")
    except ValueError:
        log.debug("failed", exc_info=True, stack_info=True)
    try:
        raise ValueError("nothing secret here")
    except ValueError:
        log.debug("failed again", exc_info=True)
    masked, clean = caplog.records[-2:]
    formatted = logging.Formatter("%(message)s").format(masked)
    assert T not in formatted and "auth?token=***" in formatted and "ValueError: could not open" in formatted
    assert masked.exc_info is None and "Traceback (most recent call last)" in masked.exc_text
    assert masked.stack_info.startswith("Stack (most recent call last)")
    assert clean.exc_info is not None and clean.exc_info[0] is ValueError   # (exc_text: the handler's cache)
    assert T not in caplog.text


@pytest.mark.parametrize("text, expected", [
    ('{"api_keys": ["abc1", "def2"], "model": "m"}', '{"api_keys": ***, "model": "m"}'),
    ("{'db_password': {'value': 'zz5', 'n': [1, 2]}, 'x': 1}", "{'db_password': ***, 'x': 1}"),
    # JSON text inside a JSON string (a hyperparameter in botocore's request line)
    ('{"config": "{\\"api_keys\\": [\\"ghi3\\"], \\"model\\": \\"m\\"}"}',
     '{"config": "{\\"api_keys\\": ***, \\"model\\": \\"m\\"}"}'),
    ('tokens = ["a]b", "c"] rest', "tokens = *** rest"),
    # Python's repr of a tuple, a set, a frozenset (trial 16b F01)
    ("{'DB_PASSWORDS': ('k1', 'k2'), 'x': 1}", "{'DB_PASSWORDS': ***, 'x': 1}"),
    ("api_keys=('k1', 'k2') rest", "api_keys=*** rest"),
    ("{'tokens': frozenset({'k1'}), 'x': 1}", "{'tokens': ***, 'x': 1}"),
    ("{'api_keys': set(['k1']), 'x': 1}", "{'api_keys': ***, 'x': 1}"),
    ('{"keys_shown": ["kept"]}', '{"keys_shown": ["kept"]}'),
])
def test_a_secret_named_container_is_masked_to_its_closing_bracket(text, expected):
    """Trial 16 F12: the value of a key whose name says it holds a secret is the whole container (docs/hooks.md: "the
    value of an assignment, header, key ... whose name says it holds a secret"); only its opening bracket was
    replaced, every secret in it shown."""
    assert redact_text(text) == expected


def test_redact_value_masks_a_container_under_a_secret_name_and_keeps_its_shape():
    assert redact_value({"db_password": {"value": "zz5", "port": 5432, "ref": "$DB", "ok": True}, "user": "u"}) == {
        "db_password": {"value": "***", "port": "***", "ref": "$DB", "ok": True}, "user": "u"}
    assert redact_value({"api_keys": ["k1", ""], "names": ["n"]}) == {"api_keys": ["***", ""], "names": ["n"]}
    assert redact_value({"api_keys": {"k1", "k2"}, "passwords": frozenset({"p"})}) == {
        "api_keys": {"***"}, "passwords": frozenset({"***"})}


def test_the_guard_fast_path_remembers_only_short_clean_texts():
    """A short clean value refused again costs a set lookup; a long one (a whole script) is scanned again, not kept."""
    from safemaker import guard

    from _profiles import make_profile

    short, long = "Enabled-but-not-an-enum", "echo closed; " * 40
    for value in (short, long):
        with pytest.raises(GuardrailViolation) as exc:
            guard.apply("CreateNotebookInstance", {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium",
                                                   "RoleArn": ROLE, "DirectInternetAccess": value}, make_profile())
        assert [v.found for v in exc.value.violations if v.path == "DirectInternetAccess"] == [value]
    assert short in guard._CLEAN_TEXTS and long not in guard._CLEAN_TEXTS
    assert len(long) > guard._CLEAN_TEXT_MAX >= len(short)


@pytest.mark.parametrize("message", [
    # botocore's own exception (botocore.exceptions.NoCredentialsError's message)
    "DescribeVpcs failed: NoCredentialsError: Unable to locate credentials. Fix the cause and re-run.",
    # AWS "Common Errors" / STS / S3 error codes and the exception names botocore makes of them
    "ExpiredToken: The security token included in the request is expired",
    "An error occurred (ExpiredTokenException) when calling the CreateTrainingJob operation: ExpiredTokenException: "
    "The security token included in the request is expired",
    "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.",
    "InvalidSignatureException: Signature expired",
    "IncompleteSignature: The request signature does not conform to AWS standards.",
    "MissingAuthenticationToken: The request must contain a valid (registered) AWS access key ID",
])
def test_an_error_naming_a_credential_is_shown_whole(message):
    assert redact_text(message) == message


def test_redact_text_remembers_only_short_clean_texts():
    """A clean text shown again (a fix that says "Pass the profile's role") is not scanned again; a text that held
    a secret is never kept, nor is a long one: each is masked (or scanned) again, with the same result."""
    clean = "Pass the profile's execution role, or set it in the step's Arguments"
    secret = f"HF_TOKEN={T}"
    long = "echo closed; pass; " * 60
    assert may_hold_secret(clean) and may_hold_secret(long)  # every rule has to look at each
    for _ in range(2):
        assert redact_text(clean) is clean
        assert redact_text(secret) == f"HF_TOKEN={REDACTED}"
        assert redact_text(long) is long
    assert clean in _redact._CLEAN_TEXTS
    assert secret not in _redact._CLEAN_TEXTS and long not in _redact._CLEAN_TEXTS
    assert len(long) > _redact._CLEAN_TEXT_MAX >= len(clean)


# AWS CLI s3 cp: "--sse-c-key (blob) This parameter should only be specified when copying an S3 object that was
# encrypted server-side with a customer-provided key. ... the customer-provided encryption key"; Amazon S3 API:
# SSECustomerKey "Specifies the customer-provided encryption key". A key named for what it keys, ending the name,
# is a secret; a name that goes on (CustomerMasterKeySpec, KMSMasterKeyID, PreSharedKeyStorage) is not.
@pytest.mark.parametrize(("text", "shown"), [
    ("aws s3 cp s3://b/m.tar.gz . --sse-c AES256 --sse-c-key SSECsecretKEY0123456789abcdefghij && echo ok",
     "aws s3 cp s3://b/m.tar.gz . --sse-c AES256 --sse-c-key *** && echo ok"),
    ("aws s3api get-object --bucket b --key k --sse-customer-key c2VjcmV0c2VjcmV0 out",
     "aws s3api get-object --bucket b --key k --sse-customer-key *** out"),
    ("export ENCRYPTION_KEY=0123456789abcdef", "export ENCRYPTION_KEY=***"),
    ("LICENSE_KEY=ABCD-1234-EFGH", "LICENSE_KEY=***"),
    ("aws s3api get-object --bucket b --key path/x.bin out", "aws s3api get-object --bucket b --key path/x.bin out"),
])
def test_a_key_named_for_what_it_keys_is_masked(text, shown):
    assert _redact.redact_text(text) == shown


@pytest.mark.parametrize(("name", "secret"), [
    ("SSECustomerKey", True), ("CopySourceSSECustomerKey", True), ("sse-c-key", True), ("HMAC_KEY", True),
    ("CustomerMasterKeySpec", False), ("KMSMasterKeyID", False), ("PreSharedKeyStorage", False),
    ("ENCRYPTION_KEY_ID", False), ("Key", False), ("kms-key", False),
])
def test_secret_key_names(name, secret):
    assert _redact.is_secret_name(name) is secret


# Trial 14 F03, each from the vendor's documentation: Kaggle API ("export KAGGLE_USERNAME=... export
# KAGGLE_KEY=xxxxxxxxxxxxxx"), Azure CLI az storage ("--account-key ... Environment variable: AZURE_STORAGE_KEY"),
# Apache Airflow ("fernet_key: Secret key to save connection passwords in the db"), W&B CLI ("wandb login [OPTIONS]
# [KEY]"), ngrok ("ngrok config add-authtoken <token>"), Anaconda ("conda install -c
# https://conda.anaconda.org/t/<TOKEN>/<CHANNEL> <PACKAGE>").
@pytest.mark.parametrize(("text", "shown"), [
    ("export KAGGLE_KEY=0f1e2d3c4b5a69788796a5b4c3d2e1f0 && pip install kaggle",
     "export KAGGLE_KEY=*** && pip install kaggle"),
    ("export AZURE_STORAGE_KEY=Zq9AzStorKey0123456789abcdef==", "export AZURE_STORAGE_KEY=***"),
    ("AIRFLOW__CORE__FERNET_KEY=Zq9FernetKey0123456789abcdefghijklmnopqrs=", "AIRFLOW__CORE__FERNET_KEY=***"),
    ('{"OPENAI_KEY": "sk-abc0123456789"}', '{"OPENAI_KEY": "***"}'),
    ("wandb login 0123456789abcdef0123456789abcdef01234567 && pip install wandb",
     "wandb login *** && pip install wandb"),
    ("wandb login --relogin 0123456789abcdef0123456789abcdef01234567", "wandb login --relogin ***"),
    ("ngrok config add-authtoken 2AbCdEf0123456789_xyz", "ngrok config add-authtoken ***"),
    ("conda install -y -c https://conda.anaconda.org/t/Zq9CondaTok-0123/private-channel mypkg",
     "conda install -y -c https://conda.anaconda.org/t/***/private-channel mypkg"),
    # keys that are no secret: a KMS key's ID (SDK v2's volume_kms_key), a GPG fingerprint (the python image's
    # ENV GPG_KEY), an S3 object key, a DynamoDB partition key's name, IAM condition keys
    ("volume_kms_key='arn:aws:kms:us-east-1:123456789012:key/1'",
     "volume_kms_key='arn:aws:kms:us-east-1:123456789012:key/1'"),
    ("GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"),
    ("S3_KEY=models/model.tar.gz PARTITION_KEY=pk", "S3_KEY=models/model.tar.gz PARTITION_KEY=pk"),
    ("--condition-key aws:SourceVpc --public-key ssh-rsa", "--condition-key aws:SourceVpc --public-key ssh-rsa"),
    ("wandb login", "wandb login"), ("wandb login $WANDB_API_KEY", "wandb login $WANDB_API_KEY"),
    # trial 14b F02: options before the key (W&B: "--host TEXT", ngrok: "--config"), ngrok's "config add-api-key",
    # Anaconda's "conda token set <TOKEN>", wandb.login(key=...), Azure CLI "az login -u <username> -p <password>",
    # docker login "echo $TOKEN | docker login --password-stdin" with the token written, GitHub's PAT
    ("wandb login --host https://w.example.com 0123456789abcdef", "wandb login --host https://w.example.com ***"),
    ("ngrok authtoken --config f.yml 2AbCdEf", "ngrok authtoken --config f.yml ***"),
    ("ngrok config add-api-key KEY123", "ngrok config add-api-key ***"),
    ("conda token set tok123", "conda token set ***"), ('wandb.login(key="abc123")', 'wandb.login(key="***")'),
    ("az login -u me -p Sup3rS3cret", "az login -u me -p ***"),
    ("echo Zq9Tok0123 | docker login --password-stdin -u AWS reg",
     "echo *** | docker login --password-stdin -u AWS reg"),
    ("export GH_PAT=ghx0123abc", "export GH_PAT=***"),
    ("echo $TOKEN | docker login --password-stdin", "echo $TOKEN | docker login --password-stdin"),
    ("echo hello | tee x", "echo hello | tee x"), ("PATH=/usr/bin:$PATH", "PATH=/usr/bin:$PATH"),
    # S3 object keys and column names stay (trial 14b: over-masked)
    ("MODEL_KEY=s3://b/k INPUT_KEY=prefix/ ROUTING_KEY=x BUCKET_KEY=k SHARD_KEY=id",
     "MODEL_KEY=s3://b/k INPUT_KEY=prefix/ ROUTING_KEY=x BUCKET_KEY=k SHARD_KEY=id"),
])
def test_a_vendor_key_a_positional_key_and_a_token_channel_are_masked(text, shown):
    assert _redact.redact_text(text) == shown
    assert _redact.may_hold_secret(text) or text == shown


@pytest.mark.parametrize(("name", "secret"), [
    ("KAGGLE_KEY", True), ("AZURE_STORAGE_KEY", True), ("AIRFLOW__CORE__FERNET_KEY", True), ("wandb-key", True),
    ("KMS_KEY", False), ("volume_kms_key", False), ("PUBLIC_KEY", False), ("GPG_KEY", False), ("S3_KEY", False),
    ("SORT_KEY", False), ("KAGGLE_KEY_ID", False), ("MONKEY", False), ("KEY", False),
])
def test_vendor_key_names(name, secret):
    assert _redact.is_secret_name(name) is secret


# curl(1), "OPTIONS": "Short version options that do not need any additional values can be used immediately next to
# each other, like for example you can specify all the options -O, -L and -v at once as -OLv"; "The short
# 'single-dash' form of the options, -d for example, may be used with or without a space between it and its value".
# So the option that takes a value ends a cluster and takes the rest of the word, else the next word (curl 7.88.1:
# -sSb "a=1" sends "Cookie: a=1"; -subob:pw authenticates as bob:pw; -ub ... is user 'b'). The options whose value is
# a credential: -b/--cookie <data|filename>, -u/--user and -U/--proxy-user <user:password>, -E/--cert and
# --proxy-cert <certificate[:password]>, -x/--proxy [protocol://][user:password@]host[:port].
@pytest.mark.parametrize("text, expected", [
    ('curl -sb "session=Zq8c" https://h/x', 'curl -sb "***" https://h/x'),
    ('curl -sSb "session=Zq8c; theme=dark" https://h/b.sh | bash', 'curl -sSb "***" https://h/b.sh | bash'),
    ("curl -fsSLb session=Zq8c https://h/x -o x", "curl -fsSLb *** https://h/x -o x"),
    ("curl -bsession=Zq8c https://h/x", "curl -b*** https://h/x"),
    ("curl -ksbsession=Zq8c https://h/x", "curl -ksb*** https://h/x"),
    ("curl --cookie=session=Zq8c https://h/x", "curl --cookie=*** https://h/x"),
    ("curl -su alice:Zq8pw https://h/x", "curl -su alice:*** https://h/x"),
    ("curl -sSfLu 'alice:Zq8 pw' https://h/x", "curl -sSfLu 'alice:***' https://h/x"),
    ("curl -ualice:Zq8pw https://h/x", "curl -ualice:*** https://h/x"),
    ("curl -subob:Zq8pw https://h/x", "curl -subob:*** https://h/x"),
    ("curl --user=alice:Zq8pw https://h/x", "curl --user=alice:*** https://h/x"),
    ("curl -sU proxy:Zq8pw -x http://proxy:3128 https://h/x", "curl -sU proxy:*** -x http://proxy:3128 https://h/x"),
    ("curl -sx http://proxy:Zq8pw@proxy.example.com:3128 https://h/x",
     "curl -sx http://proxy:***@proxy.example.com:3128 https://h/x"),
    ("curl --proxy proxy:Zq8pw@proxy.example.com:3128 https://h/x",
     "curl --proxy proxy:***@proxy.example.com:3128 https://h/x"),
    ("curl -sE client.pem:Zq8pw https://h/x", "curl -sE client.pem:*** https://h/x"),
    ("curl --cert client.pem:Zq8pw --proxy-cert p.pem:Zq8pp https://h/x",
     "curl --cert client.pem:*** --proxy-cert p.pem:*** https://h/x"),
    # every option of the command, not only the first; and the next command of the line
    ('curl -sb "a=Zq8c" -su alice:Zq8pw https://h/x; curl -Lb b=Zq8d https://h/y',
     'curl -sb "***" -su alice:*** https://h/x; curl -Lb *** https://h/y'),
    # -H, -d, -e in a cluster: their values are masked by what they hold (a header, a secret-named field, a URL)
    ('curl -sSH "Authorization: Bearer Zq8t" https://h/x', 'curl -sSH "Authorization: Bearer ***" https://h/x'),
    ('curl -sH "Cookie: sid=Zq8c" https://h/x', 'curl -sH "Cookie: ***" https://h/x'),
    ('curl -sd "password=Zq8pw" https://h/x', 'curl -sd "password=***" https://h/x'),
    ('curl -kLe "https://h/?token=Zq8t" https://h/x', 'curl -kLe "https://h/?token=***" https://h/x'),
])
def test_curl_options_that_carry_a_credential_are_masked_in_a_cluster_of_short_options(text, expected):
    assert redact_text(text) == expected
    assert redact_text(expected) == expected
    assert may_hold_secret(text)


@pytest.mark.parametrize("text", [
    "curl -sSL https://example.com/setup.sh -o /tmp/setup.sh",  # no value-taking option with a credential
    "curl -so b https://h/x", "curl -sob https://h/x",  # -o takes the output file name ('b')
    "curl -su alice https://h/x",  # no password given: curl asks for it
    "curl -sE client.pem https://h/x", "curl -sE 'pkcs11:token=t;object=o' https://h/x",  # RFC 7512 URI
    "curl -sx http://proxy.example.com:3128 https://h/x",
    'curl -sb "$COOKIE" https://h/x', "curl -su \"$USER:$PASS\" https://h/x",
    "sudo -su ec2-user bash", "tar -xzbf a.tar.gz",  # not curl
])
def test_curl_options_without_a_credential_are_kept(text):
    assert redact_text(text) == text


def test_a_lifecycle_warning_never_quotes_curls_clustered_credentials():
    """The trial's report: a PreflightWarning quoting a lifecycle script's line printed curl -sb / -su data."""
    import base64

    from safemaker import guard

    from _profiles import make_profile

    script = ('#!/bin/bash\ncurl -sSb "session=Zq8sessionSECRET" https://pkgs.example.com/b.sh | bash\n'
              "curl -su deploy:Zq8passwordSECRET https://pkgs.example.com/x.tgz -o /tmp/x.tgz\n")
    profile = make_profile(notebook_root_access="Enabled", preflight_warnings=["SM-PRE-LIFECYCLE-FETCH"])
    d = guard.decide("CreateNotebookInstanceLifecycleConfig", {
        "NotebookInstanceLifecycleConfigName": "lc", "OnStart": [{"Content": base64.b64encode(script.encode()).decode()}]},
        profile)
    shown = [(w.path, w.found) for w in d.warnings]
    assert shown == [("OnStart[0].Content line 2", 'curl -sSb "***" https://pkgs.example.com/b.sh | bash'),
                     ("OnStart[0].Content line 3", "curl -su deploy:*** https://pkgs.example.com/x.tgz -o /tmp/x.tgz")]
    assert "SECRET" not in repr(d.warnings) and "SECRET" not in "".join(w.message() for w in d.warnings)
