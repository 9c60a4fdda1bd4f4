"""The shape of a Tocobagus backend snapshot, checked whole before a restore touches anything.

Products, jobs and deliveries are internal records (not request bodies), so the vendor's validators
don't see them; this schema requires every field the background work and the listings read.
"""

from __future__ import annotations

_INT = {"type": "integer"}
_NUM = {"type": "number"}
_STR = {"type": "string"}
_SEQ = {"type": ["integer", "null"]}


def _record(required: dict, **optional: dict) -> dict:
    return {"type": "object", "required": list(required), "properties": {**required, **optional}}


PRODUCT = _record(
    {"id": _STR, "sku": _STR, "name": _STR, "externalId": _STR, "_seq": _INT},
    stock={"type": ["integer", "null"]},
    warehouses={"type": ["array", "null"], "items": {"type": "object"}},
)
ROW = _record({"rowIndex": _INT, "sku": _STR, "status": {"enum": ["PENDING", "SUCCEEDED", "FAILED"]}})
BATCH = _record(
    {"batchId": _STR, "status": _STR, "rowIndexes": {"type": "array", "items": _INT}, "dueAt": _NUM}
)
JOB = _record(
    {
        "requestId": _STR,
        "store": _STR,
        "partner": _STR,
        "requestSeq": _SEQ,
        "createdAt": _NUM,
        "completedAt": {"type": ["number", "null"]},
        "status": _STR,
        "total": _INT,
        "rows": {"type": "array", "items": ROW},
        "batches": {"type": "array", "items": BATCH},
    }
)
DELIVERY = _record(
    {
        "deliveryId": _STR,
        "requestId": _STR,
        "requestSeq": _SEQ,
        "store": _STR,
        "partner": _STR,
        "url": _STR,
        "payload": {"type": "object"},
        "attempt": _INT,
        "dueAt": _NUM,
        "status": _STR,
    }
)
STATE_SCHEMA = {
    "type": "object",
    "properties": {
        "stores": {"type": "object", "additionalProperties": {"type": "array", "items": PRODUCT}},
        "jobs": {"type": "array", "items": JOB},
        "deliveries": {"type": "array", "items": DELIVERY},
        "ids": {"type": "object", "additionalProperties": _INT},
        "seq": _INT,
    },
}
