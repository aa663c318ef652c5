"""The compliance officer's rules: specifications, approved suppliers, customer requirements,
exception routing, quality events and record retention."""
