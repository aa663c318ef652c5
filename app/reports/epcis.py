"""EPCIS 2.0 JSON-LD export of a lot's critical tracking events (GS1 EPCIS 2.0, CBV 2.0).

- Receiving (receipt, transfer arriving, customer return) and shipping (shipment, transfer
  leaving) are `ObjectEvent`s with action OBSERVE; the lot is a lot-level class identifier
  (`urn:epc:class:lgtin:...`) with its quantity in `quantityList`.
- A transformation (split, repack, relabel, kit, blend, rework) is one `TransformationEvent` with
  the lots consumed in `inputQuantityList` and the lots produced in `outputQuantityList`.
- Locations are SGLNs made from the site's GLN (`urn:epc:id:sgln:...`), the sub-location (bin,
  dock, staging area) as the SGLN extension of the read point; business transactions are CBV
  GLN-scoped identifiers (`urn:epcglobal:cbv:bt:<GLN>:<number>`).
- Trading partners have no GLN in the ERP, so they get private HTTP URIs under
  `EpcisOptions.id_base` (configure it to a domain the company controls).
- Master data for the products (EPCClass: description, expiry) and locations (BusinessLocation:
  name, address) goes in the document header.

Pure functions build the document from `TrackingEvent`s; `lot_epcis_document` reads them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from sqlalchemy import Connection

from app.db.queries.tracking_events import (
    LotQuantity,
    Party,
    Site,
    TrackingEvent,
    events_for_lots,
    genealogy_lot_ids,
    lot_ids_for_codes,
)

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
CBV_MDA = "urn:epcglobal:cbv:mda#"

# CBV 2.0 standard vocabulary (GS1 Core Business Vocabulary 2.0, sections 7.1 and 7.2).
CBV_BIZ_STEPS = frozenset({
    "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
    "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
    "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
    "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
    "repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
    "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
    "transporting", "unloading", "unpacking", "void_shipping",
})
CBV_DISPOSITIONS = frozenset({
    "active", "available", "completeness_inferred", "completeness_verified", "conformant",
    "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed",
    "encoded", "expired", "in_progress", "in_transit", "inactive", "mismatch_class",
    "mismatch_instance", "mismatch_quantity", "needs_replacement", "no_pedigree_match",
    "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
    "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
    "unavailable", "unknown",
})
CBV_BIZ_TRANSACTION_TYPES = frozenset({
    "bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma",
    "testprd", "testres", "upevt",
})

# (bizStep, disposition) of each kind of event. CBV 2.0 has no "transforming" step: a
# transformation's step says what was done to make the output lots.
OBJECT_EVENT_STEPS: dict[str, tuple[str, str]] = {
    "receipt": ("receiving", "in_progress"),
    "transfer_in": ("receiving", "in_progress"),
    "return": ("receiving", "returned"),
    "shipment": ("shipping", "in_transit"),
    "transfer_out": ("shipping", "in_transit"),
}
TRANSFORMATION_STEPS: dict[str, tuple[str, str]] = {
    "split": ("repackaging", "active"),
    "repack": ("repackaging", "active"),
    "relabel": ("repackaging", "active"),
    "kit": ("assembling", "active"),
    "blend": ("commissioning", "active"),
    "rework": ("commissioning", "active"),
}
# Units of measure as UN/ECE Recommendation 20 codes (the EPCIS `uom`).
UOM_CODES = {
    "kg": "KGM", "g": "GRM", "mg": "MGM", "t": "TNE", "lb": "LBR", "oz": "ONZ",
    "l": "LTR", "ml": "MLT", "gal": "GLL", "m": "MTR", "m2": "MTK", "m3": "MTQ",
    "ea": "EA", "each": "EA", "pc": "H87", "pcs": "H87", "piece": "H87",
}

# Characters that may stand for themselves in an EPC URI component (GS1 TDS: the URI form of
# GS1 AI encodable character set 82); everything else is percent-encoded.
_EPC_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!'()*+,-.:;=_"
)


@dataclass(frozen=True)
class EpcisOptions:
    """How identifiers are formed. `company_prefix_length` splits GTINs and GLNs into GS1
    company prefix and reference (the demo company's prefix, 0614141, has 7 digits);
    `id_base` is where trading partners and their locations, which have no GLN, are named."""

    company_prefix_length: int = 7
    id_base: str = "https://id.lotproof.example/"


class EpcisError(ValueError):
    pass


# ----------------------------------------------------------------------------- identifiers
_ALL_SAFE = re.compile(r"[A-Za-z0-9!'()*+,\-.:;=_]*")


def epc_escape(value: str) -> str:
    """An EPC URI component: characters outside the URI form of GS1 character set 82 as %XX
    (UTF-8 bytes, upper-case hex), e.g. "A/B#1" -> "A%2FB%231"."""
    if _ALL_SAFE.fullmatch(value):
        return value
    return "".join(
        ch if ch in _EPC_SAFE else "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        for ch in value
    )


def gtin14(gtin: str) -> str:
    """A GTIN-8/12/13/14 as 14 digits with a valid check digit, else EpcisError."""
    digits = gtin.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise EpcisError(f"not a GTIN: {gtin!r}")
    digits = digits.rjust(14, "0")
    if _check_digit(digits[:-1]) != digits[-1]:
        raise EpcisError(f"GTIN {gtin!r} has a wrong check digit")
    return digits


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def lgtin_class(gtin: str, lot: str, company_prefix_length: int = 7) -> str:
    """urn:epc:class:lgtin:<company prefix>.<indicator + item reference>.<lot, escaped>."""
    g = gtin14(gtin)
    if not 6 <= company_prefix_length <= 12:
        raise EpcisError(f"company prefix length {company_prefix_length} is not 6..12")
    prefix = g[1:1 + company_prefix_length]
    item_ref = g[0] + g[1 + company_prefix_length:13]
    if not lot:
        raise EpcisError("empty lot code")
    return f"urn:epc:class:lgtin:{prefix}.{item_ref}.{epc_escape(lot)}"


def sgln(gln: str, extension: str | None = None, company_prefix_length: int = 7) -> str:
    """urn:epc:id:sgln:<company prefix>.<location reference>.<extension>; "0" is the
    extension meaning none (the location itself)."""
    digits = gln.strip()
    if not digits.isdigit() or len(digits) != 13:
        raise EpcisError(f"not a GLN: {gln!r}")
    prefix, ref = digits[:company_prefix_length], digits[company_prefix_length:12]
    return f"urn:epc:id:sgln:{prefix}.{ref}.{epc_escape(extension) if extension else '0'}"


def business_transaction(gln: str | None, number: str, options: EpcisOptions) -> str:
    """A CBV business transaction identifier scoped by the GLN of the site that issued it."""
    if gln and gln.isdigit() and len(gln) == 13:
        return f"urn:epcglobal:cbv:bt:{gln}:{epc_escape(number)}"
    return f"{options.id_base}bt/{quote(number, safe='')}"


def _site_uri(site: Site, options: EpcisOptions, extension: str | None = None) -> str:
    if site.gln:
        return sgln(site.gln, extension, options.company_prefix_length)
    path = f"location/site/{quote(site.code, safe='')}"
    if extension:
        path += f"/{quote(extension, safe='')}"
    return options.id_base + path


def _party_uri(party: Party, options: EpcisOptions) -> str:
    return f"{options.id_base}party/{party.kind}/{quote(party.code, safe='')}"


def _party_location_uri(party: Party, options: EpcisOptions) -> str:
    return f"{options.id_base}location/{party.kind}/{quote(party.code, safe='')}"


def _event_time(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _number(qty: Decimal) -> int | float:
    return int(qty) if qty == qty.to_integral_value() else float(qty)


# ----------------------------------------------------------------------------- document
class _Builder:
    def __init__(self, options: EpcisOptions) -> None:
        self.options = options
        self.classes: dict[str, list[dict[str, Any]]] = {}
        self.locations: dict[str, list[dict[str, Any]]] = {}
        self.children: dict[str, set[str]] = {}
        self.class_uris: dict[tuple[str, str], str] = {}
        self.site_uris: dict[tuple[int, str | None], str] = {}

    def quantity(self, line: LotQuantity) -> dict[str, Any]:
        lot = line.lot
        epc_class = self.class_uris.get((lot.item_gtin or "", lot.lot_code))
        if epc_class is None:
            if not lot.item_gtin:
                raise EpcisError(f"item {lot.item_sku} of lot {lot.lot_code} has no GTIN")
            epc_class = lgtin_class(lot.item_gtin, lot.lot_code,
                                    self.options.company_prefix_length)
            self.class_uris[(lot.item_gtin, lot.lot_code)] = epc_class
            attributes: list[dict[str, Any]] = [
                {"id": CBV_MDA + "descriptionShort", "attribute": lot.product_description},
            ]
            if lot.expiry_date:
                attributes.append({"id": CBV_MDA + "itemExpirationDate",
                                   "attribute": lot.expiry_date.isoformat()})
            self.classes[epc_class] = attributes
        element: dict[str, Any] = {"epcClass": epc_class, "quantity": _number(line.qty)}
        uom = UOM_CODES.get(lot.uom.strip().lower())
        if uom is None and re.fullmatch(r"[A-Z0-9]{2,3}", lot.uom):
            uom = lot.uom
        if uom:
            element["uom"] = uom
        return element

    def site(self, site: Site, sub_location: str | None = None) -> str:
        known = self.site_uris.get((site.id, sub_location))
        if known is not None:
            return known
        uri = self.site_uris[(site.id, sub_location)] = self._site(site, sub_location)
        return uri

    def _site(self, site: Site, sub_location: str | None) -> str:
        uri = _site_uri(site, self.options)
        if uri not in self.locations:
            attributes: list[dict[str, Any]] = [{"id": CBV_MDA + "name", "attribute": site.name}]
            if site.address:
                attributes.append({"id": CBV_MDA + "streetAddressOne",
                                   "attribute": site.address})
            self.locations[uri] = attributes
        if not sub_location:
            return uri
        sub = _site_uri(site, self.options, sub_location)
        if sub not in self.locations:
            self.locations[sub] = [{"id": CBV_MDA + "name",
                                    "attribute": f"{site.code} {sub_location}"}]
            self.children.setdefault(uri, set()).add(sub)
        return sub

    def party_location(self, party: Party) -> str:
        uri = _party_location_uri(party, self.options)
        if uri not in self.locations:
            attributes: list[dict[str, Any]] = [{"id": CBV_MDA + "name", "attribute": party.name}]
            if party.address:
                attributes.append({"id": CBV_MDA + "streetAddressOne",
                                   "attribute": party.address})
            if party.country:
                attributes.append({"id": CBV_MDA + "countryCode", "attribute": party.country})
            self.locations[uri] = attributes
        return uri

    def transactions(self, event: TrackingEvent) -> list[dict[str, str]]:
        gln = event.site.gln
        primary = {
            "receipt": "recadv", "transfer_in": "desadv", "transfer_out": "desadv",
            "shipment": "desadv", "return": "rma", "transformation": "prodorder",
        }[event.source]
        issuer = gln
        if event.source == "transfer_in" and isinstance(event.ship_from, Site):
            issuer = event.ship_from.gln  # the transfer was issued by the sending site
        result = [{"type": primary,
                   "bizTransaction": business_transaction(issuer, event.reference.number,
                                                          self.options)}]
        for ref in event.other_references:
            kind = {"Purchase Order": "po", "Sales Order": "po",
                    "Shipment": "desadv"}.get(ref.type)
            if kind:
                result.append({"type": kind, "bizTransaction": business_transaction(
                    gln, ref.number, self.options)})
        return result

    def event_uuid(self, key: str) -> uuid.UUID:
        """The same id for the same ERP record on every export (name-based UUID, version 5)."""
        return uuid.uuid5(uuid.NAMESPACE_URL, self.options.id_base + key)

    def event(self, event: TrackingEvent) -> dict[str, Any]:
        common: dict[str, Any] = {
            "eventTime": _event_time(event.occurred_at),
            "eventTimeZoneOffset": "+00:00",
            "eventID": f"urn:uuid:{self.event_uuid(event.key)}",
        }
        if event.cte == "transformation":
            step, disposition = TRANSFORMATION_STEPS.get(event.transformation_kind or "",
                                                         ("commissioning", "active"))
            where = self.site(event.site)
            doc: dict[str, Any] = {
                "type": "TransformationEvent", **common,
                "inputQuantityList": [self.quantity(q) for q in event.inputs],
                "outputQuantityList": [self.quantity(q) for q in event.lots],
                "bizStep": step, "disposition": disposition,
                "readPoint": {"id": where}, "bizLocation": {"id": where},
                "bizTransactionList": self.transactions(event),
            }
            if len(event.lots) == 1 and event.lots[0].lot.expiry_date:
                expiry = event.lots[0].lot.expiry_date
                doc["ilmd"] = {"cbvmda:itemExpirationDate": expiry.isoformat()}
            return doc
        step, disposition = OBJECT_EVENT_STEPS[event.source]
        doc = {
            "type": "ObjectEvent", **common, "action": "OBSERVE",
            "bizStep": step, "disposition": disposition,
            "quantityList": [self.quantity(q) for q in event.lots],
            "readPoint": {"id": self.site(event.site, event.sub_location)},
        }
        if event.cte == "receiving":
            doc["bizLocation"] = {"id": self.site(event.site)}
        doc["bizTransactionList"] = self.transactions(event)
        sources, destinations = self.source_destination(event)
        if sources:
            doc["sourceList"] = sources
        if destinations:
            doc["destinationList"] = destinations
        return doc

    def source_destination(self, event: TrackingEvent
                           ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        sources: list[dict[str, str]] = []
        destinations: list[dict[str, str]] = []
        origin, target = event.ship_from, event.ship_to
        if isinstance(origin, Party):
            sources.append({"type": "owning_party", "source": _party_uri(origin, self.options)})
            if origin.kind == "customer":
                sources.append({"type": "location", "source": self.party_location(origin)})
        elif isinstance(origin, Site):
            sources.append({"type": "location", "source": self.site(origin)})
        if isinstance(target, Party):
            destinations.append({"type": "owning_party",
                                 "destination": _party_uri(target, self.options)})
            destinations.append({"type": "location", "destination": self.party_location(target)})
        elif isinstance(target, Site):
            destinations.append({"type": "location", "destination": self.site(target)})
        return sources, destinations

    def master_data(self) -> list[dict[str, Any]]:
        vocabularies: list[dict[str, Any]] = []
        if self.classes:
            vocabularies.append({
                "type": "urn:epcglobal:epcis:vtype:EPCClass",
                "vocabularyElementList": [
                    {"id": uri, "attributes": attributes}
                    for uri, attributes in sorted(self.classes.items())
                ],
            })
        if self.locations:
            elements = []
            for uri, attributes in sorted(self.locations.items()):
                element: dict[str, Any] = {"id": uri, "attributes": attributes}
                if uri in self.children:
                    element["children"] = sorted(self.children[uri])
                elements.append(element)
            vocabularies.append({"type": "urn:epcglobal:epcis:vtype:BusinessLocation",
                                 "vocabularyElementList": elements})
        return vocabularies


def build_epcis_document(events: Sequence[TrackingEvent], *,
                         options: EpcisOptions | None = None,
                         created_at: dt.datetime | None = None,
                         master_data: bool = True) -> dict[str, Any]:
    """An EPCISDocument (a JSON-ready dict) with one EPCIS event per tracking event, in order."""
    builder = _Builder(options or EpcisOptions())
    event_list = [builder.event(e) for e in events]
    document: dict[str, Any] = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": _event_time(created_at or dt.datetime.now(dt.UTC)),
    }
    vocabularies = builder.master_data() if master_data else []
    if vocabularies:
        document["epcisHeader"] = {"epcisMasterData": {"vocabularyList": vocabularies}}
    document["epcisBody"] = {"eventList": event_list}
    return document


def lot_events(conn: Connection, lot_code: str, *, genealogy: bool = False
               ) -> list[TrackingEvent]:
    """The events of a lot, and with `genealogy` those of every lot it came from or went into."""
    ids = lot_ids_for_codes(conn, [lot_code])
    if genealogy:
        ids = genealogy_lot_ids(conn, ids)
    return events_for_lots(conn, ids)


def lot_epcis_document(conn: Connection, lot_code: str, *, genealogy: bool = False,
                       options: EpcisOptions | None = None,
                       created_at: dt.datetime | None = None) -> dict[str, Any]:
    """The EPCIS document of a lot's events (LotsNotFound when there is no such lot)."""
    return build_epcis_document(lot_events(conn, lot_code, genealogy=genealogy),
                                options=options, created_at=created_at)


def dumps(document: dict[str, Any]) -> str:
    """JSON text: indented for reading, compact past a few thousand events (indenting runs the
    pure-Python encoder, seconds for a recall-sized document)."""
    events = len(document.get("epcisBody", {}).get("eventList", ()))
    if events <= 2000:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def write_epcis(document: dict[str, Any], out: Path | str | BinaryIO) -> None:
    """Write the document as JSON-LD (UTF-8) to a file — through a temporary file beside it, so
    a failed write never leaves half a file under the name asked for — or to a binary stream."""
    data = (dumps(document) + "\n").encode("utf-8")
    if not isinstance(out, str | os.PathLike):
        out.write(data)
        return
    path = Path(out)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    tmp.replace(path)


def export_epcis(conn: Connection, lot_code: str, out: Path | str | BinaryIO, *,
                 genealogy: bool = False, options: EpcisOptions | None = None) -> int:
    """`lotproof export epcis LOT --out FILE.jsonld`: writes the document, returns the number
    of events (LotsNotFound when there is no such lot, EpcisError when an item has no GTIN)."""
    document = lot_epcis_document(conn, lot_code, genealogy=genealogy, options=options)
    write_epcis(document, out)
    return len(document["epcisBody"]["eventList"])
