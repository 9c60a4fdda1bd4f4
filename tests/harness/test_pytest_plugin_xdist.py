"""The pytest plugin under pytest-xdist: each xdist worker serves mocks of its own."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("xdist")

QUIET_PLUGINS = ["-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
USER_SUITE = """
import json, os
import pytest
import requests


@pytest.mark.parametrize("n", range(6))
def test_a_catalogue_of_its_own(shipstation_mock, n):
    auth = (shipstation_mock.credentials["api_key"], shipstation_mock.credentials["api_secret"])
    shipstation_mock.seed([{"sku": f"SKU-{n}", "name": f"Product {n}"}])
    listed = requests.get(f"{shipstation_mock.base_url}/products", auth=auth, timeout=5).json()
    assert [p["sku"] for p in listed["products"]] == [f"SKU-{n}"]
    with open(os.environ["SEEN"], "a") as seen:
        seen.write(json.dumps([os.environ["PYTEST_XDIST_WORKER"], shipstation_mock.base_url]) + "\\n")
"""


def test_a_user_suite_runs_on_two_xdist_workers_each_with_its_own_mock(tmp_path):
    (tmp_path / "test_user_suite.py").write_text(textwrap.dedent(USER_SUITE))
    seen = tmp_path / "seen.jsonl"
    done = subprocess.run(
        # The suite needs only this project's plugin: the others' imports would triple the time.
        [sys.executable, "-m", "pytest", "-q", "-n", "2", *QUIET_PLUGINS, str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "SEEN": str(seen)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout
    rows = [json.loads(line) for line in seen.read_text().splitlines()]
    urls = {worker: {url for w, url in rows if w == worker} for worker, _ in rows}
    assert sorted(urls) == ["gw0", "gw1"]  # both workers ran tests
    assert all(len(found) == 1 for found in urls.values())  # one mock per worker, for its session
    assert urls["gw0"] != urls["gw1"]  # on ports of their own
