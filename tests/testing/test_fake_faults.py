"""Fault injection, counters and the command line of the fake Scenario."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from scenario_helpers import FLASH, client_for, png_data_url

from storyboard.testing import FakeScenario, Fault

pytest_plugins = ["storyboard.testing.pytest_plugin"]


def submit(api: httpx.Client, prompt: str = "a fox") -> httpx.Response:
    return api.post(f"/generate/custom/{FLASH}", json={"prompt": prompt})


def test_a_scripted_500_answers_json_once(fake_scenario, api):
    fake_scenario.script_faults(["500"])
    r = api.get("/jobs")
    assert r.status_code == 500
    assert r.json()["reason"] and r.json()["trace_id"]
    assert api.get("/jobs").status_code == 200
    assert fake_scenario.counters.faults == {"500": 1}


def test_a_scripted_html_502_is_not_json(fake_scenario, api):
    fake_scenario.script_faults(["html502"])
    r = submit(api)
    assert r.status_code == 502
    assert r.headers["Content-Type"] == "text/html"
    assert "Bad Gateway" in r.text
    assert fake_scenario.counters.jobs_created == 0


def test_a_scripted_429_says_how_long_to_wait(fake_scenario, api):
    fake_scenario.configure_faults(rate_limit_seconds=0.25)
    fake_scenario.script_faults(["429"])
    r = submit(api)
    assert r.status_code == 429
    assert r.json()["remainingSeconds"] == 0.25
    assert r.json()["details"]["actionName"]
    assert fake_scenario.counters.jobs_created == 0


def test_a_drop_closes_the_connection_before_anything_happens(fake_scenario, api):
    fake_scenario.script_faults(["generate:drop"])
    with pytest.raises(httpx.RemoteProtocolError):
        submit(api)
    assert fake_scenario.counters.jobs_created == 0
    assert submit(api).status_code == 200


def test_drop_after_create_charges_a_job_the_client_never_hears_of(fake_scenario, api):
    fake_scenario.script_faults(["drop_after_create"])
    assert api.get("/jobs").status_code == 200  # only a submission can be created and lost
    with pytest.raises(httpx.RemoteProtocolError):
        submit(api, "lost fox")
    c = fake_scenario.counters
    assert (c.jobs_created, c.cu_charged) == (1, 8)
    [job] = api.get("/jobs").json()["jobs"]  # how a careful client finds it again
    assert job["metadata"]["input"]["prompt"] == "lost fox"
    submit(api, "lost fox")  # a blind retry pays twice
    assert fake_scenario.counters.identical_submissions == 1


def test_a_slow_answer_outlasts_a_short_client_timeout(fake_scenario):
    fake_scenario.configure_faults(slow_seconds=30)  # stop() cuts the sleep short
    fake_scenario.script_faults([Fault("slow", "get_job")])
    with client_for(fake_scenario, timeout=0.2) as api:
        assert api.get("/jobs").status_code == 200  # another route: not slowed
        with pytest.raises(httpx.ReadTimeout):
            api.get("/jobs/job_any")
    assert fake_scenario.counters.faults == {"slow": 1}


def test_a_slow_answer_still_answers(fake_scenario, api):
    fake_scenario.configure_faults(slow_seconds=0.01)
    fake_scenario.script_faults(["slow"])
    assert submit(api).status_code == 200
    assert fake_scenario.scripted_faults == ()


def test_scripted_faults_wait_for_their_route(fake_scenario, api):
    fake_scenario.script_faults(["get_job:500", "html502"])
    assert api.get("/jobs").status_code == 502  # "html502" matches any API route
    assert api.get("/jobs").status_code == 200
    job_id = submit(api).json()["job"]["jobId"]
    assert api.get(f"/jobs/{job_id}").status_code == 500
    assert api.get(f"/jobs/{job_id}").status_code == 200


def test_storage_urls_only_fail_when_a_fault_names_them(fake_scenario, api):
    fake_scenario.configure_faults(rate=1.0, kinds=["500"], routes=["create_asset"])
    assert api.post("/assets", json={"name": "f", "image": png_data_url()}).status_code == 500
    fake_scenario.configure_faults(routes=())  # every API route again
    assert api.get("/jobs").status_code == 500
    fake_scenario.clear_faults()
    url = api.post("/assets", json={"name": "f", "image": png_data_url()}).json()["asset"]["url"]
    fake_scenario.configure_faults(rate=1.0)
    assert httpx.get(url).status_code == 200  # random faults hit the API, not storage
    fake_scenario.script_faults(["storage_get:drop"])
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url)


def test_random_faults_are_reproducible_from_the_seed():
    def statuses(seed: int) -> list[int]:
        with FakeScenario(fault_rate=0.5, fault_kinds=["500", "html502", "429"], seed=seed) as f, \
                client_for(f) as api:
            return [api.get("/jobs").status_code for _ in range(30)]

    first = statuses(7)
    assert first == statuses(7)
    assert {200, 500, 502, 429} <= set(first)
    assert first != statuses(8)


def test_unknown_fault_kinds_are_refused(fake_scenario):
    with pytest.raises(ValueError, match="unknown fault kind"):
        fake_scenario.script_faults(["timeout"])
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        fake_scenario.configure_faults(rate=2)


def test_counters_count_each_route_and_reset(fake_scenario, api):
    job_id = submit(api).json()["job"]["jobId"]
    api.get(f"/jobs/{job_id}")
    api.get(f"/jobs/{job_id}")
    api.get("/nowhere")
    c = fake_scenario.counters
    assert c.requests == {"generate": 1, "get_job": 2, "unknown": 1}
    assert [j.job_id for j in fake_scenario.jobs] == [job_id]
    fake_scenario.reset_counters()
    c = fake_scenario.counters
    assert (c.jobs_created, c.cu_charged, c.requests) == (0, 0, {})
    submit(api)  # the same body as before the reset: still paid twice
    assert fake_scenario.counters.identical_submissions == 1


def test_the_command_line_prints_where_and_how_to_connect():
    with subprocess.Popen(
        [sys.executable, "-m", "storyboard.testing.fake_scenario", "--port", "0",
         "--latency", "0.1"],
        stdout=subprocess.PIPE, text=True,
    ) as proc:
        _check_the_printed_service(proc)


def _check_the_printed_service(proc: subprocess.Popen[str]) -> None:
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        env = dict(pair.split("=", 1) for pair in lines[2].split())
        assert set(env) == {"SCENARIO_BASE_URL", "SCENARIO_API_KEY", "SCENARIO_API_SECRET"}
        assert env["SCENARIO_BASE_URL"] in lines[0]
        r = httpx.get(f"{env['SCENARIO_BASE_URL']}/jobs",
                      auth=(env["SCENARIO_API_KEY"], env["SCENARIO_API_SECRET"]))
        assert r.status_code == 200 and r.json() == {"jobs": []}
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0  # SIGTERM stops it cleanly
