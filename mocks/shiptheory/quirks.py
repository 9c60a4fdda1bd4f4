"""Shiptheory quirks: the behaviours the public record leaves open (vendor-notes §6, §7)."""

from __future__ import annotations

from mocks.kit.quirks import TOLERABLE, Quirk

QUIRKS = (
    Quirk(
        "rate_limit_token_requests",
        False,
        "POST /v1/token counts against the account's 1 request/second.",
        "vendor-notes §3.6, §6 gap 19",
        TOLERABLE,
    ),
    Quirk(
        "create_missing_when_updates_disabled",
        True,
        "A booked line whose SKU is not in the catalogue creates it even under use_catalogue*; off: 400.",
        "vendor-notes §3.7, §7 Shiptheory (product-catalogue article)",
        TOLERABLE,
    ),
    Quirk(
        "use_catalogue_ignores_line_price",
        True,
        "Under plain use_catalogue a line's own value is ignored; only the + Discounts setting keeps it.",
        "vendor-notes §3.7 (ST-SET vs S1), §7 Shiptheory",
        TOLERABLE,
    ),
)
