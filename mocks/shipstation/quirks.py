"""ShipStation V1 quirks: the behaviours the public record leaves open (vendor-notes §6, §7)."""

from __future__ import annotations

from mocks.kit.quirks import TOLERABLE, Quirk

QUIRKS = (
    Quirk(
        "json_401",
        False,
        'A bad key pair gets {"message": "Invalid API credentials"} (JSON, as the V1 OpenAPI lists) '
        "instead of plain-text 401 Unauthorized.",
        "vendor-notes §2.5, §6 gap 8, §7 ShipStation",
        TOLERABLE,
    ),
    Quirk(
        "reject_partial_updates",
        False,
        "A PUT that omits writable fields is refused with 400 listing them, instead of nulling them.",
        "vendor-notes §2.4 PUT, §6 gap 11, §7 ShipStation",
        TOLERABLE,
    ),
    Quirk(
        "case_insensitive_paths",
        True,
        "Paths match case-insensitively (/Products/5 is /products/5), as on an ASP.NET service.",
        "vendor-notes §7 Corrections of 2026-12-01 (ShipStation V1)",
        TOLERABLE,
    ),
    Quirk(
        "numeric_strings",
        True,
        'Numeric fields given as JSON strings ("weightOz": "12") are read as numbers, as JSON.NET does.',
        "vendor-notes §7 Corrections of 2026-12-01 (ShipStation V1)",
        TOLERABLE,
    ),
)
