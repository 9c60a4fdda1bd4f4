"""The check registry: each check registered once with its description; the README's table comes from it."""

from pathlib import Path

import pytest

from harness import checks, markdown, properties, vendors
from harness.checks.readme import readme_table

README = Path(__file__).parents[2] / "README.md"
CORE = ["convergence", "nothing_lost", "idempotence", "errors_surfaced", "politeness", "auth"]


def test_markdown_table_matches_readme():
    found = markdown.section(README.read_text(encoding="utf-8"), "checks")
    assert found, "README.md lists the checks between <!-- checks:start --> and <!-- checks:end -->"
    assert found == readme_table(), "regenerate with: python -m harness.checks"


def test_core_checks_in_report_order_then_each_vendors_own():
    assert list(checks.core()) == CORE
    assert checks.core()["politeness"] is properties.check_politeness
    toco = vendors.get("tocobagus")
    assert list(toco.property_checks) == ["rows_once_in_summary", "webhook_signature"]
    assert checks.names("tocobagus") == [*CORE, "rows_once_in_summary", "webhook_signature"]
    assert checks.names(vendors.get("shipstation").name) == CORE


def test_every_check_has_a_description_fit_for_the_table():
    readme_table()  # loads every vendor's checks
    for registered in checks.registered():
        assert registered.description and "|" not in registered.description, registered.name
        assert registered.vendor in (None, *vendors.names()), registered.name


def test_a_name_is_registered_once():
    clash = r"'convergence' is already registered by harness\.properties\.check_convergence"
    with pytest.raises(ValueError, match=clash):
        checks.check("convergence", "a clash")(lambda run: [])
    assert checks.core()["convergence"] is properties.check_convergence


def test_a_failure_names_its_registered_check():
    failure = properties.ConvergenceFailure("not at the vendor after the sync", sku="A-1")
    assert str(failure) == "[convergence] product 'A-1': not at the vendor after the sync"
    assert failure.check in checks.core()
