-- Every quality table is audited row by row; bytes of stored documents are left out of the trail.
CREATE TRIGGER audit_users AFTER INSERT OR UPDATE OR DELETE ON quality.users
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('username');
CREATE TRIGGER audit_settings AFTER INSERT OR UPDATE OR DELETE ON quality.settings
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('key');
CREATE TRIGGER audit_alerts AFTER INSERT OR UPDATE OR DELETE ON quality.alerts
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_lot_state AFTER INSERT OR UPDATE OR DELETE ON quality.lot_state
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('lot_id');
CREATE TRIGGER audit_lot_decisions AFTER INSERT OR UPDATE OR DELETE ON quality.lot_decisions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_signatures AFTER INSERT ON quality.signatures
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_documents AFTER INSERT OR UPDATE OR DELETE ON quality.documents
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id', 'content', 'extraction');
CREATE TRIGGER audit_document_links AFTER INSERT OR UPDATE OR DELETE ON quality.document_links
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_item_specs AFTER INSERT OR UPDATE OR DELETE ON quality.item_specs
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_coa_results AFTER INSERT OR UPDATE OR DELETE ON quality.coa_results
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_lot_status AFTER UPDATE OF status ON erp.lots
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION audit.log_change('lot_code');

-- Login roles read; they change nothing but through the functions granted below.
GRANT SELECT ON ALL TABLES IN SCHEMA quality, audit TO
    lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA quality, audit, erp FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA quality, audit FROM PUBLIC;

GRANT EXECUTE ON FUNCTION quality.whoami() TO PUBLIC;
GRANT EXECUTE ON FUNCTION
    quality.setting(text, text),
    quality.release_blockers(bigint),
    quality.decision_digest(bigint),
    quality.signature_valid(bigint),
    quality.check_shipment(text, integer, numeric, date),
    quality.record_signature_failure(),
    quality.change_password(text)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin, lotproof_auditor;
GRANT EXECUTE ON FUNCTION
    quality.hold_lot(text, text, text, text),
    quality.expire_lots(date)
TO lotproof_inspector, lotproof_approver, lotproof_compliance, lotproof_admin;
GRANT EXECUTE ON FUNCTION
    quality.release_lot(text, text, text, text, text),
    quality.reject_lot(text, text, text, text),
    quality.propose_disposition(text, text, text, text, text),
    quality.approve_decision(bigint, text),
    quality.cancel_decision(bigint, text, text)
TO lotproof_approver, lotproof_compliance;
GRANT EXECUTE ON FUNCTION
    quality.create_user(text, text, text, text),
    quality.reset_password(text, text),
    quality.unlock_user(text, text),
    quality.set_user_role(text, text, text)
TO lotproof_admin;
