"""Tocobagus (Omni) quirks: the behaviours the public record leaves open (vendor-notes §6, §7)."""

from __future__ import annotations

from mocks.kit.quirks import EXCLUSIVE, TOLERABLE, Quirk

SIGNING_PATHS = ("without_query", "with_query", "with_prefix", "with_prefix_and_query")

QUIRKS = (
    Quirk(
        "reserve_pending_rows",
        True,
        "A SKU or externalId still pending from an earlier sync request is refused as already existing.",
        "vendor-notes §6 gap 25, §7 Tocobagus",
        TOLERABLE,
    ),
    Quirk(
        "signing_path",
        "without_query",
        "Which path the HMAC base string holds: without /api/v1 and the query (default), with the query, "
        "with the /api/v1 prefix, or with both.",
        "vendor-notes §4.2, §6 gap 20, §7 Corrections of 2026-12-01 (Tocobagus)",
        EXCLUSIVE,
        SIGNING_PATHS,
    ),
)
