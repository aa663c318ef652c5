-- A lot as Lotproof works with it: the ERP's lot (erp.lots, from the adapter in use) with
-- Lotproof's own state of it, above all its quality status, which is never a column of the ERP's.
-- Every lot has its state from the moment the ERP makes it (quality.lot_received).
--
-- requires: erp

CREATE OR REPLACE VIEW quality.lots AS
    SELECT l.id, l.lot_code, l.item_id, l.supplier_id, l.supplier_lot_code, l.manufacture_date,
           l.expiry_date, s.status, l.origin, l.site_id, l.created_at
    FROM erp.lots l JOIN quality.lot_state s ON s.lot_id = l.id;

GRANT SELECT ON quality.lots TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
