-- Approval of a version, apart from its status: pending (no row), approved or rejected,
-- with who decided and why.
CREATE TABLE IF NOT EXISTS ml_model_approvals (
    model_id UUID PRIMARY KEY REFERENCES ml_models (model_id) ON DELETE CASCADE,
    state VARCHAR(20) NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
    reason TEXT,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE OR REPLACE FUNCTION leafwise_record_approval_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_name VARCHAR(255);
    row_version VARCHAR(50);
BEGIN
    IF TG_OP = 'DELETE' THEN
        RETURN NULL; -- the version itself is being deleted
    END IF;
    SELECT model_name, model_version INTO row_name, row_version FROM ml_models WHERE model_id = NEW.model_id;
    IF TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state OR OLD.reason IS DISTINCT FROM NEW.reason THEN
        PERFORM leafwise_record_event('approval', row_name, row_version, jsonb_build_object(
            'from', CASE WHEN TG_OP = 'INSERT' THEN 'pending' ELSE OLD.state END, 'to', NEW.state));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ml_model_approvals_record_event
    AFTER INSERT OR UPDATE OR DELETE ON ml_model_approvals
    FOR EACH ROW EXECUTE FUNCTION leafwise_record_approval_event();
