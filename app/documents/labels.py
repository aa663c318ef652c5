"""Label patterns shared by the COA and SDS field finders (English, German, some Korean)."""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE


def pattern(*alternatives: str) -> re.Pattern[str]:
    body = "|".join(f"(?:{a})" for a in alternatives)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])\s*[:#.]?", _FLAGS)


LOT_EXACT = pattern(
    r"(?:supplier'?s?\s+|vendor\s+|retail\s+|harvest\s*/\s*|mfg\.?\s+|manufacturer'?s?\s+)?"
    r"(?:lot|batch|charge)\s*(?:/\s*(?:lot|batch)\s*)?(?:no\.?|number|num\.?|nr\.?|n°|#|code|id)",
    r"charge(?:n)?(?:nummer|[-\s]?nr\.?)",
    r"chargen?bezeichnung",
    r"lot\s*#",
    r"batch\s*#",
)
LOT_LOOSE = pattern(r"(?:lot|batch)(?!\s*(?:date|size|analysis|result|qty|quantity|weight|summary))")

PRODUCT = pattern(
    r"(?:commercial\s+|trade\s+)?product\s+(?:name|description|identifier)",
    r"name\s+of\s+(?:the\s+)?product",
    r"(?:material|item|sample|article)\s+(?:name|description)",
    r"trade\s+name",
    r"produkt(?:name|bezeichnung)|handelsname",
)
# A bare "Product" or "Sample" is a label only when a colon follows or it stands alone in
# its cell: otherwise it is the start of a heading ("Product information").
_ALONE = r"(?=\s*:|\s*$)"
PRODUCT_LOOSE = pattern(
    r"(?:retail|item|strain|brand|commercial)\s+name",
    rf"product{_ALONE}",
    rf"material{_ALONE}",
    rf"strain{_ALONE}",
    rf"sample{_ALONE}",
    rf"description{_ALONE}",
    rf"item{_ALONE}",
)

# "Production" or "Produced" may date the report, not the goods: a loose label
MANUFACTURE_EXACT = pattern(
    r"(?:date\s+of\s+)?(?:manufactur(?:e|ing|ed)|mfg\.?|mfd\.?)\s*(?:date|on)?",
    r"date\s+of\s+manufacture",
    r"herstell(?:ungs)?datum",
)
MANUFACTURE_DATE = pattern(
    r"(?:date\s+of\s+)?(?:manufactur(?:e|ing|ed)|mfg\.?|mfd\.?|production|produced|prod\.?)"
    r"(?:\s*/\s*packaging)?\s*(?:date|on)?",
    r"date\s+of\s+(?:manufacture|production)",
    r"(?:retail\s+)?batch\s+date",
    r"herstell(?:ungs)?datum|produktionsdatum",
)
EXPIRY_DATE = pattern(
    r"(?:exp(?:iry|iration|ire[sd]?)?|best\s+before|use\s+by|use\s+before|shelf\s+life\s+(?:until|to))"
    r"\.?\s*(?:date|on)?",
    r"re-?\s?test(?:ing)?\s*(?:date)?|re-?evaluation\s+date",
    r"verfallsdatum|haltbar\s+bis|mindesthaltbarkeit(?:sdatum)?",
)
SUPPLIER = pattern(
    r"supplier|manufacturer|manufactured\s+by|produced\s+by|vendor|company|"
    r"issued\s+by|laboratory|testing\s+lab(?:oratory)?|hersteller|lieferant",
)

# Labels of fields we do not extract, so a value stops before them ("Lot 123 PO 456").
_OTHER_LABELS = (
    r"customer(?:\s+(?:po|item|no\.?|number))?",
    r"(?:purchase\s+)?order\s*(?:no\.?|number|#)?",
    r"po\s*(?:no\.?|number|#)?",
    r"quantity|qty",
    r"sample\s*(?:id|no\.?|#|type|size)",
    r"report\s*(?:date|no\.?|#|id)?",
    r"date\s+(?:received|tested|reported|issued|of\s+issue|of\s+analysis)",
    r"(?:received|reported|completed|issued|collected|tested)\s*(?:date|on)?",
    r"page",
    r"matrix",
    r"client(?:\s+name)?",
    r"license(?:\s+(?:no\.?|number|#))?",
    r"ship\s+to",
    r"(?:product|item|material)\s+(?:code|no\.?|number|#)",
    r"cas\s*(?:no\.?|number|#)?",
    r"quality\s+contact",
    r"storage(?:\s+conditions?)?",
    r"pack(?:aging|\s+size)",
    r"country\s+of\s+origin",
    r"version|revision(?:\s+date)?",
    r"shelf\s+life",
)
STOP = pattern(
    LOT_EXACT.pattern,
    MANUFACTURE_DATE.pattern,
    EXPIRY_DATE.pattern,
    PRODUCT.pattern,
    *_OTHER_LABELS,
)
