"""The documentation site (issue #18): builds with --strict, has an API reference, loads nothing from the internet.

Readers of this project are often inside the closed network the docs describe:
a page that pulls highlight.js or a font from a CDN renders badly there (and
tells a third party who read it). The built HTML and CSS are parsed for every
resource a browser would fetch (``<script src>``, ``<link href>`` of a
stylesheet/icon/preload, ``<img>``, ``<iframe>``, ``<source>``, CSS ``url()``
and ``@import``); each must be relative to the site. Links a reader may click
(``<a href>`` to AWS documentation) are not loads and are allowed.

Where Chromium is installed (``apt-get install chromium``), the site is also
opened headless, served from 127.0.0.1 with every other host unresolvable,
and Chromium's own network log is read: nothing the page asks for goes to
any other host (Chromium's own background requests, initiated by no page,
are not the site's and are left out).
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The site is the same under either SDK major (mkdocstrings reads the sources statically with griffe: the
# builds in .venv and .venv-v3 differed only in index.html's build date), so it is built in one leg of the
# matrix; the SDK adapters' names below are page ids, not imports.
pytestmark = pytest.mark.sdk_independent

_LOADING_LINK_RELS = {"stylesheet", "icon", "shortcut", "preload", "modulepreload", "manifest", "apple-touch-icon"}


class _Loads(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "embed", "audio", "video") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") and set((a.get("rel") or "").lower().split()) & _LOADING_LINK_RELS:
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])


def _external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme in ("http", "https") or url.startswith("//"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    return out


def test_site_builds_strict_with_an_api_reference(site: Path):
    hooks = (site / "reference" / "hooks" / "index.html").read_text()
    # names from the public API, rendered from their docstrings
    for name in ("safemaker.hooks.install", "safemaker.hooks.uninstall", "safemaker.hooks.Guard"):
        assert f'id="{name}"' in hooks, name
    guard = (site / "reference" / "guard" / "index.html").read_text()
    assert 'id="safemaker.guard.decide"' in guard
    profile = (site / "reference" / "profile" / "index.html").read_text()
    assert 'id="safemaker.profile.VpcProfile"' in profile
    # the SDK adapters are packages (sdk/v2/, sdk/v3/); their public names are rendered from the __init__
    sdk = (site / "reference" / "sdk" / "index.html").read_text()
    for name in ("safemaker.sdk.v2.ClosedNetworkSession", "safemaker.sdk.v2.ClosedEstimator", "safemaker.sdk.v2.closed",
                 "safemaker.sdk.v2.closed_deploy", "safemaker.sdk.v3.ClosedNetworkSession",
                 "safemaker.sdk.v3.ClosedModelTrainer", "safemaker.sdk.v3.closed_deploy"):
        assert f'id="{name}"' in sdk, name


def test_no_page_loads_anything_from_the_internet(site: Path):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    offenders: dict[str, list[str]] = {}
    for page in pages:
        parser = _Loads()
        parser.feed(page.read_text(errors="replace"))
        bad = [u for u in parser.urls if _external(u)]
        if bad:
            offenders[str(page.relative_to(site))] = bad
    for css in site.rglob("*.css"):
        text = css.read_text(errors="replace")
        bad = [u for u in re.findall(r"""url\(\s*['"]?([^'")]+)""", text) + re.findall(r"""@import\s+['"]([^'"]+)""", text)
               if _external(u)]
        if bad:
            offenders[str(css.relative_to(site))] = bad
    assert offenders == {}


def test_code_is_highlighted_at_build_time(site: Path):
    quick = (site / "quickstart" / "index.html").read_text()
    assert 'class="codehilite"' in quick
    assert (site / "css" / "pygments.css").is_file()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (apt-get install chromium)")
def test_headless_browser_fetches_only_from_loopback(site: Path, tmp_path: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        netlog = tmp_path / "netlog.json"
        shot = tmp_path / "page.png"
        url = f"http://127.0.0.1:{port}/reference/hooks/"
        r = subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-features=AutofillServerCommunication",
             f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
             f"--log-net-log={netlog}", "--window-size=1200,900", f"--screenshot={shot}", url],
            capture_output=True, text=True, timeout=120)
        assert shot.is_file() and shot.stat().st_size > 10_000, r.stderr[-2000:]
        text = netlog.read_text()
        try:
            log = json.loads(text)
        except json.JSONDecodeError:  # Chromium may leave the log unterminated on exit
            log = json.loads(text.rstrip().rstrip(",") + "]}")
        names = {v: k for k, v in log.get("constants", {}).get("logEventTypes", {}).items()}
        page_hosts: list[str] = []
        for event in log.get("events", []):
            params = event.get("params") or {}
            if names.get(event.get("type")) != "URL_REQUEST_START_JOB" or not isinstance(params.get("url"), str):
                continue
            # What the page made the browser fetch carries the page's origin as initiator; Chromium's own
            # background requests (time, update, accounts) say "not an origin" and are not the site's doing.
            if params.get("initiator", "").startswith(("http://", "https://")):
                page_hosts.append(urlsplit(params["url"]).hostname)
        assert len(page_hosts) >= 5  # stylesheets, scripts, images of the page
        assert set(page_hosts) == {"127.0.0.1"}
    finally:
        server.shutdown()
