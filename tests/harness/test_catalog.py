"""Source catalogues: JSON and CSV, exact round trips, and errors naming file, row and field."""

from decimal import Decimal

import pytest
from hypothesis import given

from harness.catalog import (
    CatalogError,
    Product,
    dumps_csv,
    dumps_json,
    loads_csv,
    loads_json,
    normalise_sku,
    read_catalog,
    write_catalog,
)
from harness.strategies import catalogues


@given(catalogues(max_size=6))
def test_json_and_csv_round_trip_exactly(products):
    assert loads_json(dumps_json(products)) == products
    assert loads_csv(dumps_csv(products)) == products


def test_files_by_suffix(tmp_path):
    products = [Product(sku="A-1", name="Apple, red", price=Decimal("1.50"), tags=("new", "sale"))]
    for name in ("cat.json", "cat.csv"):
        write_catalog(tmp_path / name, products)
        assert read_catalog(tmp_path / name) == products


def test_csv_edge_cases_bom_crlf_quotes_blank_lines():
    text = '\ufeffsku,name,description,price\r\nA1,"Pen, blue","two\r\nlines",1.20\r\n\r\nB2,Pad,,\r\n'
    first, second = loads_csv(text)
    assert (first.name, first.description, first.price) == ("Pen, blue", "two\r\nlines", Decimal("1.20"))
    assert (second.sku, second.price, second.active) == ("B2", None, True)


@pytest.mark.parametrize(
    ("text", "row", "field", "message"),
    [
        ("sku,name,price\nA,Apple,abc\n", 2, "price", "must be a number"),
        ("sku,name,price\nA,Apple,1\nB,,2\n", 3, "name", "required"),
        ("sku,name,price\nA,Apple,-1\n", 2, "price", ">= 0"),
        ("sku,name,active\nA,Apple,perhaps\n", 2, "active", "true or false"),
        ("sku,name,country_of_origin\nA,Apple,Australia\n", 2, "country_of_origin", "2-letter"),
        ("sku,name,colour\nA,Apple,red\n", 1, "colour", "unknown column"),
        ("sku,price\nA,1\n", 1, "name", "required column"),
        ("sku,name\nA,Apple\n a ,Again\n", 3, "sku", "duplicate of row 2"),
    ],
)
def test_bad_csv_rows_name_file_row_and_field(text, row, field, message):
    with pytest.raises(CatalogError) as info:
        loads_csv(text, "shop.csv")
    error = info.value
    assert (error.file, error.row, error.field) == ("shop.csv", row, field)
    assert message in str(error) and str(error).startswith(f"shop.csv: row {row}, field {field!r}")


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        (
            '{"products": [{"sku": "A", "name": "x"}, {"sku": "B", "name": "y", "weight_kg": "heavy"}]}',
            2,
            "weight_kg",
        ),
        ('[{"sku": "A", "name": "x", "tags": "one"}]', 1, "tags"),
        ('[{"sku": 5, "name": "x"}]', 1, "sku"),
        ('[{"sku": "A", "name": "x", "price": true}]', 1, "price"),
    ],
)
def test_bad_json_rows_name_row_and_field(text, row, field):
    with pytest.raises(CatalogError) as info:
        loads_json(text, "shop.json")
    assert (info.value.row, info.value.field) == (row, field)


def test_not_json_at_all_names_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"products": [\n  {"sku": }\n]}')
    with pytest.raises(CatalogError, match=r"broken.json: row 2: not valid JSON"):
        read_catalog(path)


def test_sku_normalisation():
    fullwidth = " " + "".join(chr(ord(c) + 0xFEE0) for c in "AB-1") + " "
    assert normalise_sku(fullwidth) == normalise_sku("ab-1") == "ab-1"
    assert normalise_sku("Straße") == "strasse"
