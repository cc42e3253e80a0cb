"""The local backend's server vs moto's own threaded server, side by side in one run.

Both serve the same moto state on 127.0.0.1 (one process, as in the local
backend), with the same WSGI app underneath:

- **moto**: :class:`moto.server.ThreadedMotoServer` (werkzeug's development
  server: one connection and one thread per request, ``Connection: close``);
- **safemaker**: :class:`safemaker.local.server.RecordingMotoServer` (cheroot,
  keep-alive connections, a fixed worker pool, the host -> backend lookup
  remembered, and the request recording the local backend does).

For each, one boto3 SageMaker client (in a child process, so client and server
do not share a GIL) sends ``--calls`` ``DescribeModel`` requests, first one at
a time, then from ``--threads`` threads. Reported: wall time per call and the
ratio moto / safemaker (higher = the local backend's server is faster).

    python benchmarks/bench_local_server.py [--calls 1500] [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _offline  # noqa: E402  (every benchmark runs offline: the tests' loopback-only guard)

_offline.enter()

MODELS = 100

_CLIENT = textwrap.dedent(
    """
    import json, sys, time
    from concurrent.futures import ThreadPoolExecutor
    import boto3
    from botocore.config import Config
    url, calls, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    session = boto3.Session(aws_access_key_id="AKIAEXAMPLEFAKEKEY00", aws_secret_access_key="fake",
                            region_name="us-east-1")
    sm = session.client("sagemaker", endpoint_url=url, config=Config(max_pool_connections=max(10, threads)))
    sm.describe_model(ModelName="bench-0")
    def call(i):
        sm.describe_model(ModelName=f"bench-{i % MODELS_N}")
    out = {}
    for label, workers in (("sequential", 1), ("threads", threads)):
        start = time.perf_counter()
        if workers == 1:
            for i in range(calls):
                call(i)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(call, range(calls)))
        out[label] = (time.perf_counter() - start) / calls
    print(json.dumps(out))
    """
).replace("MODELS_N", str(MODELS))


def _seed(url: str) -> None:
    import boto3

    sm = boto3.Session(aws_access_key_id="AKIAEXAMPLEFAKEKEY00", aws_secret_access_key="fake",
                       region_name="us-east-1").client("sagemaker", endpoint_url=url)
    for i in range(MODELS):
        sm.create_model(ModelName=f"bench-{i}", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"})


def _measure(url: str, calls: int, threads: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _offline.child_prelude() + _CLIENT, url, str(calls), str(threads)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)

    from moto.server import ThreadedMotoServer

    from safemaker.local import offline_environment
    from safemaker.local.recording import RequestLog
    from safemaker.local.server import RecordingMotoServer

    results: dict[str, dict[str, float]] = {}
    with offline_environment():
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto_server.start()
        host, port = moto_server.get_host_and_port()
        moto_url = f"http://{host}:{port}"
        ours = RecordingMotoServer(0, RequestLog())
        ours.start()
        host, port = ours.get_host_and_port()
        our_url = f"http://{host}:{port}"
        try:
            _seed(our_url)  # one moto state, seen by both servers
            # Interleaved, twice each, to spread any drift in machine load.
            for round_ in range(2):
                for name, url in (("moto", moto_url), ("safemaker", our_url)):
                    got = _measure(url, args.calls, args.threads)
                    for key, value in got.items():
                        results.setdefault(name, {}).setdefault(key, 0.0)
                        results[name][key] += value / 2
        finally:
            ours.stop()
            moto_server.stop()
    print(f"local server: {args.calls} DescribeModel calls per run, client in a child process")
    print(f"{'mode':<22}{'moto (werkzeug)':>18}{'safemaker (cheroot)':>22}{'moto / safemaker':>18}")
    for key, label in (("sequential", "one at a time"), ("threads", f"{args.threads} threads")):
        m, s = results["moto"][key] * 1000, results["safemaker"][key] * 1000
        print(f"{label:<22}{m:>15.2f} ms{s:>19.2f} ms{m / s:>17.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
