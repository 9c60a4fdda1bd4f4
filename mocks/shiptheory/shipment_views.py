"""Shiptheory shipments as the documents show them: the answers of Book and View, a List or Search item,
and the base64 PDF label. No state: models.py keeps each shipment's record and renders it with these.

The carrier's answer is the mock's own (carrier "Mock Carrier", a generated tracking number). Where the
documents show a field but not where its value comes from, the choice is listed in DECISIONS.
"""

from __future__ import annotations

import base64
from typing import Any

from .booking import country

CARRIER = "Mock Carrier"
DECISIONS = {
    "channel_name": "API",  # bookings arrive over the API; the documents show channel names only
    "tag_name": "Tag {id}",  # a booking gives tag ids; the names live in the account's UI
}

RECORD_KEYS = frozenset(
    {"reference", "reference2", "shipment_detail", "recipient", "sender", "tags", "created", "modified"}
    | {"status", "tracking_number", "carrier", "messages"}
)


def booked_answer(record: dict[str, Any]) -> dict[str, Any]:
    """Book's documented answer: success, status, carrier_result (status, tracking, carrier,
    no_tracking) and message."""
    return {
        "success": True,
        "status": record["status"],
        "carrier_result": {
            "status": "success",
            "tracking": record["tracking_number"],
            "carrier": record["carrier"],
            "no_tracking": None,
        },
        "message": f"{record['carrier']} tracking reference received: {record['tracking_number']}",
    }


def booking_messages(record: dict[str, Any], account: str, created: str) -> list[dict[str, str]]:
    return [
        {"message": f"Shipment added over API by {account}", "created": created, "type": "info"},
        {
            "message": f"{record['carrier']} tracking reference received: {record['tracking_number']}",
            "created": created,
            "type": "success",
        },
    ]


def view(record: dict[str, Any]) -> dict[str, Any]:
    """View Shipment's documented shape, in the example's key order; the label is a base64 PDF."""
    detail = record["shipment_detail"]
    return {
        "shipment": {
            "channel_reference_id": record["reference"],
            "channel_reference_id_2": record["reference2"],
            "created": record["created"],
            "modified": record["modified"],
            "status": record["status"],
            "tracking_number": record["tracking_number"],
            "carrier": record["carrier"],
            "channel_reference_id_3": detail.get("reference3"),
            "duty_tax_number": detail.get("duty_tax_number"),
            "duty_tax_number_type": detail.get("duty_tax_number_type"),
        },
        "tags": [{"id": tag, "name": DECISIONS["tag_name"].format(id=tag)} for tag in record["tags"]],
        "messages": record["messages"],
        "label": label_pdf(record["reference"], record["tracking_number"]),
    }


def list_item(record: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One shipment as List (and, with `lines`, Search with include_products=1) shows it."""
    detail, recipient = record["shipment_detail"], record["recipient"]
    found = country(recipient["country"])
    item: dict[str, Any] = {
        "created": record["created"],
        "modified": record["modified"],
        "channel_reference_id": record["reference"],
        "channel_reference_id_2": record["reference2"],
        "channel_name": DECISIONS["channel_name"],
        "status": record["status"],
        "courier": {"couriername": record["carrier"]},
        "courierservice": None,
        "shipment_detail": {
            "tracking_number": record["tracking_number"],
            "weight": detail["weight"],
            "grams": round(detail["weight"] * 1000),
            "gift_message": detail.get("gift_message"),
            "instructions": detail.get("instructions"),
            "shipping_price": detail.get("shipping_price"),
            "value": detail["value"],
            "parcels": detail["parcels"],
            "width": None,
            "height": None,
            "depth": None,
            "channel_reference_id_3": detail.get("reference3"),
            "ship_date": f"{detail['ship_date']}T00:00:00+0000" if detail.get("ship_date") else None,
            "duty_tax_number": detail.get("duty_tax_number"),
            "duty_tax_number_type": detail.get("duty_tax_number_type"),
        },
        "delivery_address": {
            "company": recipient.get("company"),
            "address_line_1": recipient["address_line_1"],
            "address_line_2": recipient.get("address_line_2"),
            "address_line_3": recipient.get("address_line_3"),
            "city": recipient["city"],
            "county": recipient.get("county"),
            "postcode": recipient["postcode"],
            "telephone": recipient.get("telephone"),
            "mobile": recipient.get("mobile"),
            "email": recipient.get("email"),
            "firstname": recipient["firstname"],
            "lastname": recipient["lastname"],
            "tax_number": recipient.get("tax_number"),
            "what_3_words": recipient.get("what3words"),
            "country": {"country": found.name if found else None, "code": found.alpha_3 if found else None},
        },
    }
    if lines is not None:
        item["products"] = [_search_line(line) for line in lines]
    item["latest_public_reference"] = None
    return item


def _search_line(line: dict[str, Any]) -> dict[str, Any]:
    """A line as Search shows it: amounts as text ("1.00"), as the documented example has them."""
    return {
        "qty": line["qty"],
        "sku": line["sku"],
        "name": line["name"],
        "value": f"{line['value']:.2f}",
        "catalog_price": f"{line['catalog_price']:.2f}",
        "barcode": line["barcode"] or None,
        "weight": f"{line['weight']:.2f}",
        "grams": str(round(line["weight"] * 1000)),
        "length": _plain(line["length"]),
        "width": _plain(line["width"]),
        "height": _plain(line["height"]),
        "commodity_description": line["commodity_description"] or None,
        "commodity_code": line["commodity_code"] or None,
        "commodity_manucountry": line["commodity_manucountry"] or None,
        "commodity_composition": line["commodity_composition"] or None,
    }


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def label_pdf(reference: str, tracking: str) -> str:
    """A one-page PDF naming the shipment, base64-encoded as the documented `label` is. Small, valid."""
    text = f"{CARRIER} {tracking} {reference}".encode("latin-1", "replace")
    text = text.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 20 100 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return base64.b64encode(bytes(out)).decode("ascii")
