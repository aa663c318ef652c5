"""What a field's value may be: type checks that refuse a label, an address, a company, a
regulation or a title as a product name, and a fragment as a lot number.

These are generic: they name kinds of text, never a supplier. Each check returns the reason
it refuses (for the reviewer and the tests) or None.
"""

from __future__ import annotations

import re

from app.documents import labels, rules

# Phrases printed as labels or captions on COAs and SDSs, never as a product or a lot. A
# value made only of these words (after punctuation is dropped) is a label the reader
# took for its value: "Commercial Product Name", "Distributed by", "Batch".
_LABEL_WORDS = (
    r"product|products|name|names|commercial|trade|brand|retail|item|article|material|sample|"
    r"samples|description|identifier|identification|code|number|no|nr|num|id|lot|lots|batch|"
    r"batches|charge|type|category|matrix|form|grade|strain|variety|unit|size|weight|net|"
    r"distributed|distributor|manufactured|manufacturer|produced|producer|packed|packer|"
    r"supplied|supplier|vendor|imported|importer|marketed|by|for|of|the|and|to|address|"
    r"company|customer|client|date|dates|expiry|expiration|best|before|use|manufacture|"
    r"production|revision|version|issue|page|details|information|info|label|labelling|"
    r"labeling|signature|signed|approved|reviewed|released|quality|assurance|control|"
    r"specification|specifications|result|results|test|tests|method|methods|analysis|"
    r"analyte|parameter|parameters|unit|units|limit|limits|status|comments?|remarks?|notes?|"
    r"see|below|above|attached|n/?a|na|none|unknown|not|applicable|available|confidential|"
    r"synonyms?|other|means|recommended|uses?|restrictions?|chemical|substance|mixture|"
    r"ingredients?|registration|reach|ec|cas|ufi|purpose|intended"
)
_ONLY_LABEL_WORDS = re.compile(rf"^(?:(?:{_LABEL_WORDS})\b[\s/&.,:#()-]*)+$", re.IGNORECASE)

_STREET = re.compile(
    r"\b\d{1,6}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][\w.'-]*\s+){0,4}"
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|parkway|pkwy|"
    r"highway|hwy|court|ct|place|pl|circle|cir|terrace|suite|ste)\b\.?",
    re.IGNORECASE,
)
_POSTAL = re.compile(
    r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"  # US state and ZIP
    r"|\b[Pp]\.?\s?[Oo]\.?\s+[Bb][Oo][Xx]\b"
    r"|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"  # Canadian postcode
    r"|\b(?:D-)?\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:\s|$)",  # German PLZ and town
)
_CONTACT = re.compile(
    r"@|\bwww\.|https?://|\.com\b|\b(?:tel|phone|fax|e-?mail)\b|\+\d{1,3}[\s(]|\(\d{3}\)\s*\d{3}",
    re.IGNORECASE,
)
_REGULATION = re.compile(
    r"\(\s*\d+\s*(?:CCR|CFR|U\.?S\.?C\.?)\s*\)"
    r"|\b\d+\s*(?:CCR|CFR|U\.?S\.?C\.?)\b"
    r"|\b(?:CFR|CCR)\s*\d"
    r"|\bregulation\s*\((?:EC|EU|EEC)\)"
    r"|\b(?:19|20)\d\d/\d{2,4}/(?:EC|EU|EEC)\b|\b\d{3,4}/(?:19|20)\d\d\b"
    r"|\b(?:OSHA|WHMIS|HCS|GHS|REACH|CLP)\b.*\b(?:standard|regulation|compliant|format|rev)",
    re.IGNORECASE,
)
# a legal form at the end: the name of a company, not of a product
_LEGAL_FORM = re.compile(
    r"\b(?:inc|incorporated|llc|l\.l\.c|ltd|limited|gmbh|ag|s\.a|sa|s\.r\.l|srl|b\.v|bv|corp|"
    r"corporation|pty|plc|kg|oy|nv|s\.p\.a|spa|co\.,?\s*ltd|company)\.?\s*$",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"^(?:certificate\s+of\s+(?:analysis|conformance|conformity|compliance|quality)|"
    r"analytical\s+report|test\s+report|report\s+of\s+analysis|lab(?:oratory)?\s+report|"
    r"(?:material\s+)?safety\s+data\s+sheet|sicherheitsdatenblatt|msds|sds|coa|c\.o\.a)\b",
    re.IGNORECASE,
)


def label_phrase(text: str) -> bool:
    """The text is made only of label words: "Commercial Product Name", "Batch", "N/A"."""
    if not rules.enabled("label_values"):
        return False
    stripped = text.strip(" .:;#*-–")
    if not stripped:
        return False
    if _ONLY_LABEL_WORDS.match(stripped):
        return True
    return any(
        (m := rx.fullmatch(stripped)) is not None and m.end() == len(stripped)
        for rx in (labels.PRODUCT, labels.PRODUCT_LOOSE, labels.LOT_EXACT, labels.SUPPLIER)
    )


def not_a_product(text: str) -> str | None:
    """Why ``text`` cannot be a product name, or None."""
    if label_phrase(text):
        return "a label, not a value"
    if not rules.enabled("name_types"):
        return None
    if _REGULATION.search(text):
        return "a regulation citation"
    if _CONTACT.search(text):
        return "contact details"
    if _STREET.search(text) or _POSTAL.search(text):
        return "an address"
    if _LEGAL_FORM.search(text):
        return "a company name"
    if _TITLE.match(text):
        return "the document's title"
    return None


_SPACED_JOIN = re.compile(r"\s*([-/])\s*")
# non-breaking and figure hyphens, en and em dashes, minus signs: printed for "-" in codes
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d]")


def whole_lot(text: str) -> str:
    """A lot code printed with spaced separators ("21 - 0419 - A") or typographic dashes read
    as one code with plain hyphens."""
    if not rules.enabled("lot_whole"):
        return text
    return _SPACED_JOIN.sub(r"\1", _DASHES.sub("-", text))
