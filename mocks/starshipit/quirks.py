"""Starshipit quirks: the behaviours the public record leaves open (vendor-notes §6, §7)."""

from __future__ import annotations

from mocks.kit.quirks import TOLERABLE, Quirk

QUIRKS = (
    Quirk(
        "update_replaces_whole_product",
        False,
        "PUT /api/products/update clears the fields the product object omits, instead of keeping them.",
        "vendor-notes §1.2 PUT, §6 gap 1, §7 Corrections of 2026-12-01 (Starshipit)",
        TOLERABLE,
    ),
    Quirk(
        "strict_units",
        False,
        "Weights over 1000 kg and dimensions over 10 m are refused (grams or centimetres sent by mistake).",
        "vendor-notes §6 gap 2, §7 Corrections of 2026-12-01 (Starshipit)",
        TOLERABLE,
    ),
)
