"""The error-case catalogue: every case reproduces what it claims, arms on a running mock, and lists."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness import cases, markdown, vendors
from harness.cases.core import RemoteChannel
from harness.cli import main
from mocks.kit.clock import Clock
from mocks.kit.server import ServerThread

ALL = cases.all_cases()
README = Path(__file__).resolve().parents[3] / "README.md"
# What a correctly authenticated request carries in its curl line, per vendor.
AUTH_IN_CURL = {
    "shipstation": "Authorization: Basic ",
    "starshipit": "Ocp-Apim-Subscription-Key: ",
    "shiptheory": "Authorization: Bearer ",
    "tocobagus": "x-signature: sha256=",
}


def test_at_least_eight_cases_per_vendor_and_ids_unique():
    per_vendor = Counter(case.vendor for case in ALL)
    assert set(per_vendor) == set(vendors.names())
    assert min(per_vendor.values()) >= 8
    assert len({case.id for case in ALL}) == len(ALL)
    for case in ALL:
        assert re.fullmatch(rf"{case.vendor}(\.[a-z0-9-]+)+", case.id), case.id
        assert "|" not in case.title  # it goes into a Markdown table


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_reproduce_gets_what_the_case_declares(case):
    result = cases.reproduce(case)
    answer = result.request
    assert answer.status == case.status, answer.raw_response()
    assert case.expect in answer.text, answer.raw_response()
    for name, fragment in case.headers.items():
        assert fragment in answer.response_headers.get(name, ""), (name, answer.response_headers)
    if case.evidence is not None:
        assert result.follow_text().count(case.evidence) >= case.evidence_times, result.follow_text()
    curl = result.curl
    assert curl.startswith(f"curl -i -X {answer.method} ")
    assert f"http://127.0.0.1:8080/{case.vendor}{answer.path.split('?')[0]}" in curl
    for name, value in answer.request_headers.items():
        if name.lower() != "content-length":
            assert f"{name}: {value}" in curl
    if ".auth." not in case.id:
        assert AUTH_IN_CURL[case.vendor] in curl + "\n".join(result.setup)


def test_follow_ups_show_the_partial_put_loss_and_the_signed_webhook_retries():
    put = cases.reproduce(cases.get("shipstation.put.partial-data-loss"))
    after = put.follow_ups[0].json()
    assert after["price"] == 14.0 and after["weightOz"] is None and after["warehouseLocation"] is None
    hooks = cases.reproduce(cases.get("tocobagus.webhook.retried")).follow_ups
    assert [h.status for h in hooks] == [503, 503, 204]
    assert [h.request_headers["x-webhook-attempt"] for h in hooks] == ["1", "2", "3"]
    assert len({h.request_headers["x-signature"] for h in hooks}) == 3  # signed afresh each time
    assert len({h.request_headers["x-webhook-delivery"] for h in hooks}) == 1


def test_setup_is_summarised_and_big_bodies_go_to_a_file():
    result = cases.reproduce(cases.get("shipstation.rate-limit"))
    assert result.setup[2:] == ["40 x GET /products → 200"]  # after the reset and the clock
    assert result.setup_script()[-1].startswith("for i in $(seq 40); do curl -sS -o /dev/null -X GET ")
    big = cases.reproduce(cases.get("tocobagus.validation.batch-too-large"))
    assert "--data-binary @tocobagus.validation.batch-too-large.body" in big.curl
    assert len(big.request.request_body) > 4096


def test_get_unknown_case_suggests_close_ids():
    with pytest.raises(KeyError, match=r"did you mean shipstation\.rate-limit"):
        cases.get("shipstation.ratelimit")


def test_markdown_table_matches_readme():
    table = cases.markdown_table()
    assert table.count("\n") == len(ALL) + 1
    found = markdown.section(README.read_text(encoding="utf-8"), "cases")
    assert found, "README.md lists the cases between <!-- cases:start --> and <!-- cases:end -->"
    assert found == table, "regenerate with: python -m harness.cases --markdown"


# -- arm, against mocks on real ports ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[ServerThread, Clock]]]:
    running = {}
    for name in vendors.names():
        # Tocobagus on a virtual clock, so a probe can run the batch and the webhook by moving it.
        clock = Clock(virtual=name == "tocobagus")
        running[name] = (ServerThread(vendors.get(name).create_app(clock=clock)).start(), clock)
    yield running
    for server, _ in running.values():
        server.stop()


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_armed_case_is_met_by_a_plausible_client_request(case, servers):
    server, clock = servers[case.vendor]
    requests.post(f"{server.base_url}/__mock__/reset", timeout=10).raise_for_status()
    if case.vendor == "tocobagus":
        requests.put(
            f"{server.base_url}/__mock__/settings",
            json={"webhook_url": "http://127.0.0.1:9/hook"},
            timeout=10,
        ).raise_for_status()
    said = cases.arm(case, server.base_url)
    assert case.id in said
    channel = RemoteChannel(cases.profile(case.vendor), server.base_url, now=clock.now)
    if case.probe is not None:
        status, text = case.probe(channel)
    else:  # what the trigger asked, but from a client with valid credentials
        trigger = cases.reproduce(case).request
        answer = channel.send(trigger.method, trigger.path, data=trigger.request_body or None)
        status, text = answer.status, answer.text
    assert status == case.status, text
    assert (case.arm_expect or case.expect) in text
    if case.arm_with is None:  # a replay: the one-shot rule fired, once
        faults = requests.get(f"{server.base_url}/__mock__/state", timeout=10).json()["faults"]
        assert [f["fired"] for f in faults] == [1]


def test_arm_keeps_the_rules_already_installed(servers):
    server, _ = servers["shipstation"]
    base = server.base_url
    requests.post(f"{base}/__mock__/reset", timeout=10).raise_for_status()
    mine = {"method": "GET", "path": "^/products$", "status": 503, "times": 2}
    requests.put(f"{base}/__mock__/faults", json={"rules": [mine]}, timeout=10).raise_for_status()
    cases.arm(cases.get("shipstation.not-found"), base)
    faults = requests.get(f"{base}/__mock__/state", timeout=10).json()["faults"]
    assert [(f["status"], f["times"]) for f in faults] == [(503, 2), (404, 1)]


def test_token_expiry_on_a_virtual_clock_is_real_state():
    clock = Clock(virtual=True)
    with ServerThread(vendors.get("shiptheory").create_app(clock=clock)) as server:
        channel = RemoteChannel(cases.profile("shiptheory"), server.base_url, now=clock.now)
        assert channel.send("GET", "/v1/products").status == 200  # logs in
        said = cases.arm(cases.get("shiptheory.auth.token-expired"), server.base_url)
        assert "virtual clock +3601 s" in said
        answer = channel.send("GET", "/v1/products")
        assert answer.status == 401 and answer.json()["message"] == "Unauthorized"
        faults = requests.get(f"{server.base_url}/__mock__/state", timeout=10).json()["faults"]
        assert faults == []  # no replay: the token really expired


def test_arm_refuses_a_mock_of_another_vendor(servers):
    server, _ = servers["starshipit"]
    with pytest.raises(cases.ArmError, match=r"is 'starshipit', but shipstation\.not-found"):
        cases.arm(cases.get("shipstation.not-found"), server.base_url)


# -- the commands -----------------------------------------------------------------------------------------
def cli(*argv: str) -> int:
    return main(list(argv))


def test_cases_command_lists_ids_as_a_table_and_json(capsys):
    assert cli("cases", "starshipit") == 0
    out = capsys.readouterr().out
    assert "starshipit.rate-limit" in out and "shipstation" not in out
    assert cli("cases", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in listed] == [case.id for case in ALL]
    assert set(listed[0]) == {"id", "vendor", "title", "description"}


def test_reproduce_command_prints_curl_and_raw_response(capsys, tmp_path):
    body = tmp_path / "body.json"
    assert cli("reproduce", "shipstation.put.partial-data-loss", "--body-out", str(body)) == 0
    out = capsys.readouterr().out
    assert "curl -i -X PUT http://127.0.0.1:8080/shipstation/products/1" in out
    assert "HTTP/1.1 200 OK" in out and '"weightOz": null' in out
    assert json.loads(body.read_bytes())["price"] == 14.0
    assert cli("reproduce", "starshipit.rate-limit", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["response"]["status"] == 429 and data["response"]["headers"]["Retry-After"] == "1"
    assert data["curl"].startswith("curl -i -X GET") and data["setup"][2:] == ["2 x GET /api/products → 200"]
    assert [step["times"] for step in data["seed"]] == [1, 1, 2]
    assert (
        data["seed"][0]["curl"]
        == "curl -sSf -o /dev/null -X POST http://127.0.0.1:8080/starshipit/__mock__/reset"
    )


def test_reproduce_command_arms_a_running_mock(capsys, servers):
    server, _ = servers["shipstation"]
    requests.post(f"{server.base_url}/__mock__/reset", timeout=10).raise_for_status()
    assert cli("reproduce", "shipstation.auth.missing", "--arm", server.base_url, "--json") == 0
    assert "one-shot fault rule" in json.loads(capsys.readouterr().out)["description"]
    answer = requests.get(f"{server.base_url}/products", auth=("test-key", "test-secret"), timeout=10)
    assert answer.status_code == 401 and answer.text == "401 Unauthorized"


def test_unknown_case_or_vendor_exits_2(capsys):
    assert cli("reproduce", "shipstation.nope") == 2
    assert "unknown case 'shipstation.nope'" in capsys.readouterr().err
    assert cli("cases", "amazon") == 2
    assert "unknown vendor 'amazon'" in capsys.readouterr().err


def test_arm_of_an_unreachable_mock_exits_1(capsys):
    assert cli("reproduce", "shipstation.not-found", "--arm", "http://127.0.0.1:9/shipstation") == 1
    assert "cannot reach the mock" in capsys.readouterr().err
