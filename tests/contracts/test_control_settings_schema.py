"""Every vendor's settings and state answers validate against control.yaml, under every quirk value.

The schemathesis control-contract runs in `check` draw one settings document each; this walks every
declared quirk value, so a quirk that is not a boolean (Tocobagus `signing_path`) can't slip past the
contract again.
"""

from __future__ import annotations

import json
from importlib import resources

import jsonschema_rs
import pytest
import yaml

from harness import quirks, vendors


def _schema(name: str) -> jsonschema_rs.Draft202012Validator:
    document = yaml.safe_load(resources.files("contracts").joinpath("control.yaml").read_text())
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema_rs.Draft202012Validator(schema)


SETTINGS, STATE = _schema("Settings"), _schema("State")


def _settings_under_every_quirk_value(vendor: str) -> list[dict]:
    return [{}] + [{"quirks": {q.name: value}} for _, q in quirks.all_quirks(vendor) for value in q.variants]


@pytest.mark.parametrize("vendor", vendors.names())
def test_settings_and_state_match_the_control_contract_under_every_quirk_value(vendor: str) -> None:
    client = vendors.get(vendor).create_app().test_client()
    for change in _settings_under_every_quirk_value(vendor):
        put = client.put("/__mock__/settings", json=change)
        assert put.status_code == 200, put.get_data(as_text=True)
        for quirk, value in change.get("quirks", {}).items():
            assert put.get_json()["quirks"][quirk] == value
        settings = client.get("/__mock__/settings").get_json()
        errors = [e.message for e in SETTINGS.iter_errors(settings)]
        assert errors == [], (change, errors)
        state = json.loads(client.get("/__mock__/state").get_data())
        errors = [e.message for e in STATE.iter_errors(state)]
        assert errors == [], (change, errors)
