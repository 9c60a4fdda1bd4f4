"""The two checks a Tocobagus property run adds to the six (registered in `harness.checks`): rows once in a
summary, webhooks that verify."""

from __future__ import annotations

from ...catalog import normalise_sku
from ...checks import check
from ...properties import CheckFailure, RunRecord
from .adapter import ADAPTER


@check(
    "rows_once_in_summary",
    "a row the vendor accepted is not exactly once in its request's final summary and in the client's "
    "report, or is sent again after the vendor accepted it (a blind resend)",
    vendor="tocobagus",
)
def check_rows_once_in_summary(run: RunRecord) -> list[CheckFailure]:
    """Every row the vendor accepted appears exactly once in its request's final summary, and exactly
    once in the client's report; and no product is submitted again once the vendor accepted it."""
    failures: list[CheckFailure] = []
    side = [e for e in run.journal if e.get("type") == "side_effect"]
    completed = {e["requestId"]: e for e in side if e.get("kind") == "catalog.sync.completed"}
    accepted_at: dict[str, int] = {}
    for entry in side:
        if entry.get("kind") != "catalog.sync.accepted":
            continue
        done = completed.get(entry["requestId"])
        for sku in entry.get("acceptedSkus", []):
            accepted_at.setdefault(normalise_sku(sku), entry["request_seq"])
            count = sum(1 for r in (done or {}).get("rows", []) if r["sku"] == sku)
            if count != 1:
                failures.append(
                    _SummaryFailure(
                        f"appears {count} times in the final summary of request {entry['requestId']}",
                        sku=sku,
                        entry=entry["request_seq"],
                    )
                )
    report = run.report
    listed = [normalise_sku(s) for s in report.created + report.unchanged + list(report.errors)]
    for key, seq in accepted_at.items():
        if report.from_output:
            break  # a command's output names problems only, not every row it created
        if listed.count(key) != 1:
            failures.append(
                _SummaryFailure(
                    f"appears {listed.count(key)} times in the client's report", sku=key, entry=seq
                )
            )
    for entry in run.requests():
        for sku in ADAPTER.written_skus(entry):
            first = accepted_at.get(normalise_sku(sku))
            if first is not None and entry["seq"] > first:
                failures.append(
                    _SummaryFailure(
                        f"sent again after the vendor accepted it (journal #{first}): a blind resend",
                        sku=sku,
                        entry=entry["seq"],
                    )
                )
    return failures


@check(
    "webhook_signature",
    "a webhook the mock sent did not verify at the client's receiver, or the receiver answered it with "
    "other than 2xx",
    vendor="tocobagus",
)
def check_webhook_signature(run: RunRecord) -> list[CheckFailure]:
    """Every webhook the mock sent verifies at the client's receiver."""
    deliveries = run.report.webhooks
    attempts = [e for e in run.journal if e.get("kind") == "webhook.attempt"]
    failures: list[CheckFailure] = [
        _WebhookFailure(f"delivery {d['delivery']} attempt {d['attempt']} did not verify")
        for d in deliveries
        if not d["verified"]
    ]
    failures += [
        _WebhookFailure(f"webhook for {a['requestId']} answered {a['status']}", entry=a["seq"])
        for a in attempts
        if a.get("status") is not None and not 200 <= a["status"] < 300
    ]
    return failures


class _SummaryFailure(CheckFailure):
    check = "rows_once_in_summary"


class _WebhookFailure(CheckFailure):
    check = "webhook_signature"
