"""What lists the vendors is generated from the registry: the README's vendor sections and control.yaml's
Settings schema (from the schemas the mocks check settings against). Stale means: regenerate."""

from __future__ import annotations

import importlib

import pytest
import yaml

import contracts
from harness import control_settings, vendor_docs, vendors


def test_readme_vendor_sections_match_the_registry() -> None:
    text = vendor_docs.README.read_text(encoding="utf-8")
    assert vendor_docs.rewritten(text) == text, "regenerate with: python -m harness.vendor_docs"


def test_control_yaml_settings_are_the_kit_and_vendor_schemas() -> None:
    assert control_settings.in_contract() == control_settings.settings_properties()
    text = contracts.path("control").read_text(encoding="utf-8")
    assert control_settings.rewritten(text) == text, "regenerate with: python -m harness.vendor_docs"


@pytest.mark.parametrize("vendor", vendors.names())
def test_every_vendor_setting_is_in_the_contract_without_the_mocks_own_wording(vendor: str) -> None:
    spec = importlib.import_module(f"mocks.{vendor}").SPEC
    contract = control_settings.in_contract()
    assert set(spec.extra_settings) <= set(contract)
    for key, schema in spec.settings_schema.items():
        shown = contract[key]
        assert "x-error" not in yaml.safe_dump(shown)
        public = {k: v for k, v in control_settings._public(schema).items() if k != "description"}
        assert public in shown.get("anyOf", [{k: v for k, v in shown.items() if k != "description"}])


def test_a_changed_vendor_schema_makes_the_contract_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.import_module("mocks.shipstation").SPEC
    changed = {**spec.settings_schema["accounts"], "maxProperties": 9}
    monkeypatch.setitem(spec.settings_schema, "accounts", changed)
    accounts = control_settings.settings_properties()["accounts"]
    # Shiptheory's `accounts` no longer agrees with ShipStation's: either one's is taken.
    assert [s.get("maxProperties") for s in accounts["anyOf"]] == [9, None]
    assert accounts["description"] == "ShipStation API key: secret; Shiptheory email: password"
    assert vendor_docs.stale() == ["contracts/control.yaml"]


def test_check_names_a_stale_readme_and_the_command_rewrites_it(tmp_path, monkeypatch, capsys) -> None:
    readme = tmp_path / "README.md"
    text = vendor_docs.README.read_text(encoding="utf-8")
    readme.write_text(text.replace("`shipstation_mock`, ", ""), encoding="utf-8")
    monkeypatch.setattr(vendor_docs, "README", readme)
    assert vendor_docs.main(["--check"]) == 1
    assert capsys.readouterr().out == "stale: README.md (regenerate with: python -m harness.vendor_docs)\n"
    assert vendor_docs.main([]) == 0
    assert capsys.readouterr().out == "rewrote README.md\n"
    assert readme.read_text(encoding="utf-8") == text


def test_a_readme_without_a_marker_is_an_error() -> None:
    with pytest.raises(ValueError) as raised:
        vendor_docs.rewritten("<!-- vendors:start -->\n<!-- vendors:end -->")
    assert (
        str(raised.value)
        == "README.md has no <!-- vendor-names:start --> ... <!-- vendor-names:end --> markers"
    )
