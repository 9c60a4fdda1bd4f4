"""hypothesis strategies: SKUs with edge cases, products, catalogues, edits, vendor state and fault plans."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from .catalog import Product, normalise_sku

SKU_START = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
SKU_CHARS = SKU_START + "-_./"
UNICODE_LETTERS = "ÄÖÜßÉÈñçøåłžšЖЯΩλ日本語한"
COUNTRIES = ("AU", "NZ", "US", "GB", "DE", "CN", "ID", "JP", "FR", "CA")
plain_sku = st.builds(
    lambda head, tail: head + tail, st.sampled_from(SKU_START), st.text(SKU_CHARS, max_size=15)
)


@st.composite
def skus(draw: Any) -> str:
    """SKUs as shops really have them: spaces inside, lower case, non-ASCII letters, very long ones."""
    base = draw(plain_sku)
    kind = draw(st.sampled_from(["plain", "plain", "spaces", "lower", "unicode", "long"]))
    if kind == "spaces":
        return base + " " + draw(plain_sku)
    if kind == "lower":
        return base.lower()
    if kind == "unicode":
        return base + draw(st.text(st.sampled_from(UNICODE_LETTERS), min_size=1, max_size=4))
    if kind == "long":
        return (base + "-" + "X" * 100)[:100]
    return base


def vendor_spelling(sku: str) -> Any:
    """How the same SKU may be spelled at the vendor: another case, padded, full-width forms."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in sku)
    return st.sampled_from([sku, sku, sku.lower(), sku.upper(), f" {sku} ", fullwidth])


def money(max_value: str = "99999.99") -> Any:
    return st.decimals(
        min_value=Decimal("0.01"),
        max_value=Decimal(max_value),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )


def measure(places: int, max_value: str) -> Any:
    step = Decimal(1).scaleb(-places)
    return st.decimals(
        min_value=step, max_value=Decimal(max_value), places=places, allow_nan=False, allow_infinity=False
    )


printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
names = printable.filter(lambda s: s.strip() != "")


def products(sku: Any = None) -> Any:
    optional = st.none()
    return st.builds(
        Product,
        sku=sku if sku is not None else skus(),
        name=names,
        description=optional | printable,
        price=optional | money(),
        cost=optional | money(),
        weight_kg=optional | measure(3, "500"),
        length_cm=optional | measure(1, "300"),
        width_cm=optional | measure(1, "300"),
        height_cm=optional | measure(1, "300"),
        hs_code=optional | st.from_regex(r"[0-9]{6}(\.[0-9]{2})?", fullmatch=True),
        country_of_origin=optional | st.sampled_from(COUNTRIES),
        customs_description=optional | printable,
        customs_value=optional | money(),
        warehouse_location=optional | st.from_regex(r"Bin [A-Z][0-9]{1,3}", fullmatch=True),
        barcode=optional | st.from_regex(r"[0-9]{12,13}", fullmatch=True),
        active=st.booleans(),
        tags=st.lists(st.sampled_from(["sale", "new", "fragile", "bulky"]), unique=True, max_size=2).map(
            tuple
        ),
    )


def catalogues(min_size: int = 0, max_size: int = 8) -> Any:
    return st.lists(products(), min_size=min_size, max_size=max_size, unique_by=lambda p: p.key)


@st.composite
def edited(draw: Any, product: Product) -> Product:
    """The same product with some fields changed: what the vendor holds when it is out of date."""
    fresh = draw(products(sku=st.just(product.sku)))
    keep = draw(
        st.lists(
            st.sampled_from(
                [
                    "name",
                    "price",
                    "weight_kg",
                    "hs_code",
                    "active",
                    "barcode",
                    "length_cm",
                    "customs_value",
                    "warehouse_location",
                ]
            ),
            unique=True,
        )
    )
    return replace(fresh, **{name: getattr(product, name) for name in keep})


@dataclass(frozen=True)
class Scenario:
    """A source catalogue, what the vendor already holds (canonical form) and a fault plan."""

    source: list[Product]
    remote: list[Product]  # each with the SKU spelled as the vendor has it
    faults: list[dict]

    def describe(self) -> dict:
        return {
            "source": [p.to_json() for p in self.source],
            "remote": [p.to_json() for p in self.remote],
            "faults": self.faults,
        }


@st.composite
def remote_state(draw: Any, source: list[Product], max_unrelated: int = 3) -> list[Product]:
    """Some source products already at the vendor (up to date or stale), plus products the source lacks."""
    remote: list[Product] = []
    for product in source:
        presence = draw(st.sampled_from(["absent", "same", "stale", "stale"]))
        if presence == "absent":
            continue
        at_vendor = product if presence == "same" else draw(edited(product))
        remote.append(replace(at_vendor, sku=draw(vendor_spelling(product.sku))))
    taken = {p.key for p in source}
    extra = draw(st.lists(products(), max_size=max_unrelated, unique_by=lambda p: p.key))
    remote.extend(p for p in extra if p.key not in taken)
    return remote


def vendor_records(remote: list[Product], to_record: Any, vendor_only: Any) -> Any:
    """Each product as the vendor holds it: the mapped record plus drawn fields only the vendor has."""
    return st.tuples(*[vendor_only.map(lambda extra, p=p: {**to_record(p), **extra}) for p in remote]).map(
        list
    )


def fault_plans(targets: list[tuple[str, str]], max_rules: int = 2) -> Any:
    """Transient faults a careful client rides out: each fires at most twice, within a 3-retry budget."""
    rule = st.builds(
        lambda target, effect, status, times, when, latency: {
            "method": target[0],
            "path": target[1],
            "effect": effect,
            "times": times,
            "when": when,
            **({"status": status} if effect == "respond" else {}),
            **({"latency": latency} if effect == "latency" else {}),
        },
        st.sampled_from(targets),
        st.sampled_from(["respond", "respond", "drop", "truncate", "latency"]),
        st.sampled_from([500, 502, 503]),
        st.integers(1, 2),
        st.sampled_from(["before", "after"]),
        st.sampled_from([0.5, 2.0, 5.0]),
    )
    # One rule per target, so no request meets more faults in a row than the retry budget allows.
    return st.lists(rule, max_size=max_rules, unique_by=lambda r: (r["method"], r["path"]))


def scenarios(fault_targets: list[tuple[str, str]], max_products: int = 8) -> Any:
    return st.builds(
        Scenario,
        source=catalogues(max_size=max_products),
        remote=st.just([]),
        faults=fault_plans(fault_targets),
    ).flatmap(lambda s: remote_state(s.source).map(lambda remote: replace(s, remote=remote)))


def unique_keys(items: list[Product]) -> bool:
    return len({normalise_sku(p.sku) for p in items}) == len(items)
