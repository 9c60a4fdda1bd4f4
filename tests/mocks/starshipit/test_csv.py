"""Template, import and export: CSV edge cases, row-numbered errors, export → import changing nothing."""

import pytest

from mocks.starshipit.csv_template import TEMPLATE_HEADER

from .conftest import HEADERS

HEADER = ",".join(TEMPLATE_HEADER)


def row(sku: str, title: str = "Thing", **cells: str) -> str:
    values = dict.fromkeys(TEMPLATE_HEADER, "")
    values.update({"SKU": sku, "Title": title, **cells})
    return ",".join(values[c] for c in TEMPLATE_HEADER)


def csv_import(ssit, text: str | bytes, multipart: bool = True):
    data = text.encode("utf-8") if isinstance(text, str) else text
    if multipart:
        return ssit.call("POST", "/import", files={"file": ("products.csv", data, "text/csv")})
    return ssit.call("POST", "/import", data=data, headers={**HEADERS, "Content-Type": "text/csv"})


def stored(ssit) -> list[dict]:
    return ssit.mock.backend.products("test-api-key")


def test_template_is_the_header_row(ssit):
    response = ssit.call("GET", "/template")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.text == HEADER + "\r\n"


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "raw"])
def test_import_creates_and_updates_by_sku(ssit, multipart):
    ssit.create(sku="OLD", title="Old title", material="steel")
    text = (
        "\n".join(
            [
                HEADER,
                row("NEW", Weight="1.25", Length="0.3", DangerousGoods="yes", Country="NZ"),
                row("OLD", "New title"),
            ]
        )
        + "\n"
    )
    response = csv_import(ssit, text, multipart)
    assert response.status_code == 200
    assert response.json() == {"success": True, "created": 1, "updated": 1, "unchanged": 0, "errors": []}
    old, new = stored(ssit)
    assert old["title"] == "New title" and old["material"] == "steel"  # not in the template: kept
    assert new["weight"] == 1.25 and new["length"] == 0.3 and new["dangerous_goods"] is True
    assert new["country"] == "NZ" and new["description"] is None
    (effect,) = ssit.effects("products.imported")
    assert effect["created"] == 1 and effect["updated"] == 1 and effect["skus"] == ["NEW", "OLD"]


def test_quoted_commas_newlines_bom_blank_lines_and_crlf(ssit):
    text = (
        "\ufeff"
        + HEADER
        + "\r\n"
        + row('"A,1"', '"Cup, large"', Description='"line one\r\nline two"')
        + "\r\n"
        + "\r\n"
        + ",,,\r\n"
        + row("B", '"She said ""hi"""')
        + "\r\n\r\n"
    )
    response = csv_import(ssit, text)
    assert response.json()["created"] == 2 and response.json()["errors"] == []
    a, b = stored(ssit)
    assert a["sku"] == "A,1" and a["title"] == "Cup, large" and a["description"] == "line one\r\nline two"
    assert b["title"] == 'She said "hi"'


def test_bad_rows_are_reported_by_row_number_and_the_rest_imported(ssit):
    ssit.mock.update_settings({"quirks": {"strict_units": True}})  # default off since 2026-12-01
    text = "\n".join(
        [
            HEADER,
            row("OK1"),
            row("", "no sku"),  # row 3
            "",  # row 4: blank, skipped but counted
            row("W", Weight="heavy"),  # row 5
            row("U", Weight="1500"),  # row 6: grams, not kg
            row("OK1", "again"),  # row 7: duplicate in the file
            row("X") + ",extra",  # row 8: too many cells
            row("D", DangerousGoods="maybe"),  # row 9
            row("OK2"),
        ]
    )
    body = csv_import(ssit, text).json()
    assert body["created"] == 2
    assert [(e["row"], e["sku"]) for e in body["errors"]] == [
        (3, None),
        (5, "W"),
        (6, "U"),
        (7, "OK1"),
        (8, "X"),
        (9, "D"),
    ]
    assert "first on row 2" in body["errors"][3]["message"]
    assert "kilograms" in body["errors"][2]["message"]
    assert [p["sku"] for p in stored(ssit)] == ["OK1", "OK2"]


@pytest.mark.parametrize(
    "text",
    [
        "sku,title\nA,B\n",
        HEADER.replace("Color", "Colour") + "\nA,B\n",
        "\n" + HEADER + "\n" + row("A"),
        "",
        "\n\n",
    ],
    ids=["short", "colour", "header-not-first", "empty", "blank"],
)
def test_a_wrong_header_refuses_the_whole_file(ssit, text):
    response = csv_import(ssit, text)
    assert response.status_code == 400
    assert response.json()["errors"][0]["details"] == "file"
    assert stored(ssit) == [] and not ssit.effects("products.imported")


def test_not_utf8_missing_file_and_wrong_type(ssit):
    assert csv_import(ssit, (HEADER + "\n" + row("é")).encode("latin-1"), multipart=False).status_code == 400
    missing = ssit.call("POST", "/import", files={"other": ("x.csv", b"x")})
    assert missing.status_code == 400 and missing.json()["errors"][0]["details"] == "file"
    wrong = ssit.call("POST", "/import", json={"rows": []})
    assert wrong.status_code == 415 and wrong.json()["success"] is False


def test_export_then_import_changes_nothing(ssit):
    ssit.create(
        sku="b",
        title="Tab\there",
        description='multi\nline, with "quotes"',
        weight=0.1,
        length=1e-05,
        price=19.99,
        brand=" ",
        material="kept",
        dangerous_goods=True,
    )
    ssit.create(sku="a", title="Plain", width=3)
    before = stored(ssit)
    exported = ssit.call("GET", "/export")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="products.csv"'
    lines = exported.text.split("\r\n")
    assert lines[0] == HEADER and lines[1].startswith("a,")  # SKU order
    result = csv_import(ssit, exported.content).json()
    assert result == {"success": True, "created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert stored(ssit) == before
    assert ssit.call("GET", "/export").content == exported.content
