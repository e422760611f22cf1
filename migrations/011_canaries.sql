-- Canary roll-outs: a version of a model serves a share of the traffic beside the deployed
-- one (one canary per model name). Requests are routed by a stable hash of a caller's key.
-- Every change is announced on leafwise_models, so every server's ensemble reloads it; a
-- status change that deploys a version of the name (promote, rollback), or takes the canary
-- version out of shadow, ends the canary.
CREATE TABLE IF NOT EXISTS ml_model_canaries (
    model_name VARCHAR(255) PRIMARY KEY,
    model_version VARCHAR(50) NOT NULL,
    weight_percent DECIMAL(5,2) NOT NULL CHECK (weight_percent >= 0 AND weight_percent <= 100),
    reason TEXT,
    actor TEXT NOT NULL DEFAULT current_user,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    FOREIGN KEY (model_name, model_version) REFERENCES ml_models (model_name, model_version) ON DELETE CASCADE
);

CREATE OR REPLACE FUNCTION leafwise_announce_canary() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_data ml_model_canaries;
BEGIN
    IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
    PERFORM pg_notify('leafwise_models', json_build_object(
        'change', 'canary',
        'eventId', NULL,
        'modelId', NULL,
        'modelName', row_data.model_name,
        'modelVersion', row_data.model_version,
        'fromStatus', NULL,
        'toStatus', NULL,
        'reason', left(row_data.reason, 2000),
        'actor', row_data.actor,
        'weightPercent', CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE row_data.weight_percent END,
        'at', clock_timestamp()
    )::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER ml_model_canaries_announce
    AFTER INSERT OR UPDATE OR DELETE ON ml_model_canaries
    FOR EACH ROW EXECUTE FUNCTION leafwise_announce_canary();

CREATE OR REPLACE FUNCTION leafwise_end_canary() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IS DISTINCT FROM NEW.status THEN
        DELETE FROM ml_model_canaries
        WHERE model_name = NEW.model_name
          AND (NEW.status = 'deployed' OR (model_version = NEW.model_version AND NEW.status IS DISTINCT FROM 'shadow'));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ml_models_end_canary
    AFTER UPDATE OF status ON ml_models
    FOR EACH ROW EXECUTE FUNCTION leafwise_end_canary();
