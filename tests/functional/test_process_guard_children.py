"""Children of a guarded process started by ``multiprocessing`` with ``spawn`` or ``forkserver``.

A process guarded by ``install_process`` (or a ``ClosedNetworkSession``) hands its guard to every child
Python it starts: the child is a new interpreter, and comes up guarded with the same profile, mode and
exclusivity before the child's own code runs (trial 6, F06: such children sent open requests).

Each child sends through a real botocore client to the local backend (moto on 127.0.0.1); the backend
stores what arrived: the open request never does, the plain one arrives with the profile's isolation and
``VpcConfig``.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os

import pytest

import _children_worker as worker
from _profiles import SG, SUB_A, SUB_C, make_profile

# Only the ClosedNetworkSession test uses the SDK (marked sdk: it runs under both majors); the children of the
# other tests import no SDK, so they run in one leg of the matrix.
pytestmark = pytest.mark.sdk_independent

METHODS = ["spawn", "forkserver"]


def _stored(backend, name):
    job = backend.session.client("sagemaker").describe_training_job(TrainingJobName=name)
    return job.get("EnableNetworkIsolation"), job.get("VpcConfig")


@pytest.mark.parametrize("method", METHODS)
def test_a_multiprocessing_child_comes_up_guarded_with_a_profile_built_in_code(method, safemaker_local):
    import safemaker

    profile = make_profile()  # built in code: no file for the child to read
    safemaker.install_process(profile)
    with multiprocessing.get_context(method).Pool(1) as pool:
        out = pool.apply(worker.send_open_and_closed, (safemaker_local.endpoint_url, method))
    assert out["pid"] != os.getpid()
    assert (out["open"], out["plain"]) == ("GuardrailViolation", "sent")
    assert out["guard"] == ("enforce", False, profile.to_dict())
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1
    # CreateTrainingJob API reference: EnableNetworkIsolation and VpcConfig {Subnets, SecurityGroupIds}.
    assert _stored(safemaker_local, f"{method}-plain") == (True, {"Subnets": [SUB_A, SUB_C],
                                                                   "SecurityGroupIds": [SG]})


@pytest.mark.parametrize("method", METHODS)
def test_a_process_pool_executor_child_keeps_warn_mode_and_exclusivity(method, safemaker_local):
    import safemaker

    profile = make_profile(subnets=[SUB_A])
    safemaker.install_process(profile, exclusive=True)
    ctx = multiprocessing.get_context(method)
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        out = pool.submit(worker.send_open_and_closed, safemaker_local.endpoint_url, f"x{method}").result()
    assert (out["open"], out["plain"]) == ("GuardrailViolation", "sent")
    assert out["guard"] == ("enforce", True, profile.to_dict())
    assert _stored(safemaker_local, f"x{method}-plain") == (True, {"Subnets": [SUB_A], "SecurityGroupIds": [SG]})
    safemaker.uninstall_process()
    safemaker.install_process(profile, "warn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        out = pool.submit(worker.send_open_and_closed, safemaker_local.endpoint_url, f"w{method}").result()
    assert (out["open"], out["plain"]) == ("sent", "sent")  # warn: recorded, sent
    assert out["guard"] == ("warn", False, profile.to_dict())


@pytest.mark.sdk
def test_a_closed_network_session_guards_its_spawned_children(safemaker_local):
    pytest.importorskip("sagemaker")
    from safemaker.sdk import ClosedNetworkSession

    profile = make_profile()
    session = ClosedNetworkSession(profile, boto_session=safemaker_local.session)
    try:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            out = pool.apply(worker.send_open_and_closed, (safemaker_local.endpoint_url, "sess"))
    finally:
        # SDK v3: give the process defaults back (test_sdk_v3_session checks they are free afterwards)
        getattr(session, "close", lambda: None)()
    assert (out["open"], out["plain"]) == ("GuardrailViolation", "sent")
    assert out["guard"] == ("enforce", False, profile.to_dict())
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 1


def test_a_joblib_loky_worker_comes_up_guarded(safemaker_local):
    joblib = pytest.importorskip("joblib")
    import safemaker

    profile = make_profile()
    safemaker.install_process(profile)
    out = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(worker.send_open_and_closed)(safemaker_local.endpoint_url, f"loky{i}") for i in range(2))
    assert [(o["open"], o["plain"]) for o in out] == [("GuardrailViolation", "sent")] * 2
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2


def test_children_after_uninstall_are_unguarded_and_the_environment_is_restored(safemaker_local, monkeypatch):
    import safemaker

    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    before = {k: v for k, v in os.environ.items() if k.startswith("SAFEMAKER_") or k == "PYTHONPATH"}
    safemaker.install_process(make_profile(), exclusive=True)
    assert before != {k: v for k, v in os.environ.items() if k.startswith("SAFEMAKER_") or k == "PYTHONPATH"}
    safemaker.uninstall_process()
    assert before == {k: v for k, v in os.environ.items() if k.startswith("SAFEMAKER_") or k == "PYTHONPATH"}
    # Control: the same child without a guard in the parent sends the open request.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        out = pool.apply(worker.send_open_and_closed, (safemaker_local.endpoint_url, "off"))
    assert (out["open"], out["plain"], out["guard"]) == ("sent", "sent", None)
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 2


def test_a_forkserver_started_before_the_guard_does_not_fork_unguarded_children(safemaker_local):
    import safemaker

    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(1) as pool:  # the forkserver starts here, with no guard in the environment
        early = pool.apply(worker.send_open_and_closed, (safemaker_local.endpoint_url, "early"))
    assert (early["open"], early["guard"]) == ("sent", None)
    safemaker.install_process(make_profile())
    with ctx.Pool(1) as pool:
        out = pool.apply(worker.send_open_and_closed, (safemaker_local.endpoint_url, "late"))
    assert (out["open"], out["plain"]) == ("GuardrailViolation", "sent")
    assert safemaker_local.request_count("sagemaker", "CreateTrainingJob") == 3


def test_a_subprocess_python_comes_up_guarded_and_one_that_cannot_be_guarded_does_not_run(safemaker_local,
                                                                                           tmp_path):
    import subprocess
    import sys

    import safemaker

    safemaker.install_process(make_profile(), "warn")
    code = ("import safemaker, sys; g = safemaker.process_guard(); "
            "sys.exit(7 if g is not None and g.mode == 'warn' else 1)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 7
    marker = tmp_path / "ran"
    env = {**os.environ, "SAFEMAKER_GUARD_PROFILE": '{"region": "us-east-1"}'}  # fields missing
    r = subprocess.run([sys.executable, "-c", f"open({str(marker)!r}, 'w')"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and not marker.exists()
    assert "could not be turned on" in r.stderr and "SAFEMAKER_GUARD_PROFILE" in r.stderr


def test_a_guarded_child_starts_with_the_start_up_frozen_and_its_own_objects_collected(safemaker_local):
    """What the child's start-up loaded (the guard, the profile, pydantic) is out of the collector's sight
    (``gc.freeze``: not walked by the program's collections, nor at exit); the program's own objects are not:
    its cyclic garbage is collected. A child of an unguarded process freezes nothing."""
    import subprocess
    import sys

    import safemaker

    # process_guard() is read before the cycle is made (in a plain child it imports safemaker.process: enough
    # allocations for an automatic collection to free the cycle first), and automatic collection is paused
    # between the cycle and the program's own gc.collect(), which must find it
    code = ("import gc, safemaker, sys\n"
            "frozen = gc.get_freeze_count()\n"
            "on = safemaker.process_guard() is not None\n"
            "enabled = gc.isenabled()\n"
            "gc.disable()\n"
            "class Cycle:\n"
            "    pass\n"
            "c = Cycle(); c.me = c; del c\n"
            "print(on, frozen, gc.get_freeze_count() == frozen, gc.collect() >= 1, enabled)\n")
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["False", "0", "True", "True", "True"]
    safemaker.install_process(make_profile())
    guarded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert guarded.returncode == 0, guarded.stderr
    on, frozen, *rest = guarded.stdout.split()
    assert on == "True" and int(frozen) > 10_000 and rest == ["True", "True", "True"]
