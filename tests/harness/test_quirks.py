"""Quirk declarations: one place per vendor, the `quirks` command, the README table and matrix variants."""

import json
import re
from pathlib import Path

import pytest

from harness import markdown, quirks, vendors
from harness.cli import main
from mocks.kit.core import Mock
from mocks.kit.quirks import EXCLUSIVE, TOLERABLE

README = Path(__file__).parents[2] / "README.md"


@pytest.mark.parametrize("vendor", vendors.names())
def test_each_vendor_declares_its_quirks_once_and_the_mock_uses_them(vendor):
    declared = quirks.declared(vendor)  # none is fine: a scaffolded vendor has no guesses yet
    mock = Mock.of(vendors.get(vendor).create_app())
    assert mock.settings["quirks"] == {q.name: q.default for q in declared}
    for q in declared:
        assert q.kind in (TOLERABLE, EXCLUSIVE) and q.default in q.values and len(q.values) >= 2
        assert q.source.startswith("vendor-notes §") and q.description.endswith(".")
        assert "|" not in q.description + q.source  # they go into a Markdown table


def test_the_corrections_of_2026_12_01_are_declared():
    defaults = {(v, q.name): (q.default, q.kind) for v, q in quirks.all_quirks()}
    assert defaults[("starshipit", "update_replaces_whole_product")] == (False, TOLERABLE)
    assert defaults[("starshipit", "strict_units")] == (False, TOLERABLE)
    assert defaults[("shipstation", "case_insensitive_paths")] == (True, TOLERABLE)
    assert defaults[("shipstation", "numeric_strings")] == (True, TOLERABLE)
    assert defaults[("tocobagus", "signing_path")] == ("without_query", EXCLUSIVE)


def test_markdown_table_matches_readme():
    found = markdown.section(README.read_text(encoding="utf-8"), "quirks")
    assert found, "README.md lists the quirks between <!-- quirks:start --> and <!-- quirks:end -->"
    assert found == quirks.markdown_table(), "regenerate with: python -m harness.quirks"


def test_command_lists_them_as_json(capsys):
    assert main(["quirks", "tocobagus", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(q["name"], q["kind"]) for q in listed] == [
        ("reserve_pending_rows", "tolerable"),
        ("signing_path", "exclusive"),
    ]
    assert listed[1]["values"] == ["without_query", "with_query", "with_prefix", "with_prefix_and_query"]
    assert main(["quirks"]) == 0 and "update_replaces_whole_product" in capsys.readouterr().out


def test_command_refuses_an_unknown_vendor(capsys):
    assert main(["quirks", "nope"]) == 2
    assert "unknown vendor 'nope'" in capsys.readouterr().err


def test_variants_flip_each_quirk_once_and_respect_pins():
    names = [v.name for v in quirks.variants("starshipit")]
    assert names == ["default", "update_replaces_whole_product=true", "strict_units=true"]
    pinned = quirks.variants("starshipit", {"strict_units": True})
    assert [v.name for v in pinned] == ["default", "update_replaces_whole_product=true"]
    assert all(v.quirks["strict_units"] is True for v in pinned)
    toco = quirks.variants("tocobagus")
    assert [(v.name, v.kind) for v in toco] == [
        ("default", "default"),
        ("reserve_pending_rows=false", "tolerable"),
        ("signing_path=with_query", "exclusive"),
        ("signing_path=with_prefix", "exclusive"),
        ("signing_path=with_prefix_and_query", "exclusive"),
    ]


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("strict_units", "expected NAME=VALUE"),
        ("nope=true", "starshipit has no quirk 'nope'"),
        ("strict_units=maybe", "takes false, true"),
    ],
)
def test_bad_pins_name_the_argument(pin, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        quirks.parse_pins("starshipit", [pin])
    assert quirks.parse_pins("tocobagus", ["signing_path=WITH_QUERY"]) == {"signing_path": "with_query"}
