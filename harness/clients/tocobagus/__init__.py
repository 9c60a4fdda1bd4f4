"""Tocobagus (Omni partner API) for the harness: contract auth and HARNESS, plus the public names of the
package's modules (mapping, receiver, client, adapter, checks), so `harness.clients.tocobagus` imports
stay as they were. Importing HARNESS registers the schemathesis JSON serializer below.
"""

from __future__ import annotations

import time
from typing import Any

import schemathesis
from schemathesis.core import NOT_SET

from mocks import tocobagus as mock
from mocks.tocobagus import signing

from ...vendors import VendorHarness
from .adapter import ADAPTER, RECEIVER_URL, TocobagusAdapter, attach_receiver
from .checks import check_rows_once_in_summary, check_webhook_signature
from .client import (
    API,
    CREDENTIALS,
    MAX_BATCH_BYTES,
    MAX_ROWS,
    SYNC_PATH,
    BlindRetryClient,
    TocobagusClient,
    TocobagusReport,
    _stamps,
)
from .mapping import (
    DEFAULT_CATEGORY,
    EXTERNAL_ID_NAMESPACE,
    differences,
    external_id,
    to_row,
    to_vendor,
    validation_reason,
)
from .receiver import WebhookReceiver

__all__ = [
    "ADAPTER",
    "API",
    "CREDENTIALS",
    "DEFAULT_CATEGORY",
    "EXTERNAL_ID_NAMESPACE",
    "HARNESS",
    "MAX_BATCH_BYTES",
    "MAX_ROWS",
    "RECEIVER_URL",
    "SYNC_PATH",
    "BlindRetryClient",
    "TocobagusAdapter",
    "TocobagusClient",
    "TocobagusReport",
    "WebhookReceiver",
    "attach_receiver",
    "check_rows_once_in_summary",
    "check_webhook_signature",
    "contract_auth_for",
    "differences",
    "external_id",
    "to_row",
    "to_vendor",
    "validation_reason",
]


@schemathesis.serializer("application/json")
def _canonical_json(ctx: Any, value: Any) -> bytes:
    """The bytes sent are the bytes signed (tooling-notes §1.4); raw bytes pass through (G9)."""
    return signing.wire_bytes(value)


def contract_auth_for(credentials: dict[str, str], base_url: str = "") -> Any:
    def sign(case: Any) -> dict[str, str]:
        """Sign one generated case at generation time; the path is relative to /api/v1 already."""
        body = b"" if case.body is NOT_SET or case.body is None else signing.wire_bytes(case.body)
        stamp = _stamps.next(int(time.time() * 1000))
        return signing.signed_headers(
            credentials["partner_secret"],
            case.method,
            case.formatted_path,
            body,
            partner_client_id=credentials["partner_client_id"],
            store_client_id=credentials["store_client_id"],
            store_token=credentials["store_token"],
            timestamp_ms=stamp,
        )

    return sign


_contract_auth = contract_auth_for(CREDENTIALS)


HARNESS = VendorHarness(
    name="tocobagus",
    create_app=mock.create_app,
    credentials=CREDENTIALS,
    contract_auth=_contract_auth,
    contract_settings={"rate_limit": 1_000_000_000, "processing_delay_seconds": 0},
    adapter=ADAPTER,
    contract_auth_for=contract_auth_for,
    webhook_receiver=lambda credentials, clock: WebhookReceiver(credentials["partner_secret"], clock),
    webhook_env="TOCOBAGUS_WEBHOOK_URL",
    env_credentials={
        "TOCOBAGUS_PARTNER_CLIENT_ID": "partner_client_id",
        "TOCOBAGUS_PARTNER_SECRET": "partner_secret",
        "TOCOBAGUS_STORE_CLIENT_ID": "store_client_id",
        "TOCOBAGUS_STORE_TOKEN": "store_token",
    },
    sample_products=[{"sku": "A-1", "name": "Apple", "price": 1.5}, {"sku": "B-2", "name": "Pear"}],
    # Its webhook receiver lives in-process; the mock delivers to TOCOBAGUS_WEBHOOK_URL, so poll.
    reference_client=lambda url, credentials: TocobagusClient(url, credentials, webhook_wait=0),
    base_url_example="the partner API root ending in `/api/v1`",
    preflight="/partner/stores/products?limit=1",
    auth_headers=frozenset(
        {"x-partner-client-id", "x-store-client-id", "x-store-token", "x-timestamp", "x-signature"}
    ),
    product_reads=[("GET", r"^/api/v1/partner/stores/products$", "data.items")],
    fuzz_templates=[{"products": [{"sku": "A-1", "name": "Apple", "price": 1.5, "stock": 1}]}],
    fuzz_probes=[
        ("GET", "/api/v1/partner/stores/products"),
        ("GET", "/api/v1/partner/stores/products?q=a"),
    ],
    fuzz_volatile=("ids",),  # the backend numbers every response's requestId
)
