-- History of every registration and status change, written by a trigger so that manual SQL
-- (the guide's "Manual SQL Registration" and its Issue 1 / Issue 3 fixes) is recorded too.
-- The reason and actor come from the transaction-local settings leafwise.reason and
-- leafwise.actor; without them the actor is the database user.
-- Every change of ml_models is announced on the channel leafwise_models (LISTEN/NOTIFY).
CREATE TABLE IF NOT EXISTS ml_model_events (
    event_id BIGSERIAL PRIMARY KEY,
    model_id UUID NOT NULL,
    model_name VARCHAR(255) NOT NULL,
    model_version VARCHAR(50) NOT NULL,
    from_status VARCHAR(50),
    to_status VARCHAR(50),
    reason TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS ml_model_events_name_idx ON ml_model_events (model_name, event_id);

CREATE OR REPLACE FUNCTION leafwise_record_model_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change TEXT;
    row_data ml_models;
    old_status VARCHAR(50);
    new_status VARCHAR(50);
    event_reason TEXT := NULLIF(current_setting('leafwise.reason', true), '');
    event_actor TEXT := COALESCE(NULLIF(current_setting('leafwise.actor', true), ''), current_user::text);
    new_event_id BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        change := 'registered';
        row_data := NEW;
        new_status := NEW.status;
    ELSIF TG_OP = 'UPDATE' THEN
        row_data := NEW;
        old_status := OLD.status;
        new_status := NEW.status;
        IF OLD.status IS DISTINCT FROM NEW.status THEN
            change := 'status';
        ELSE
            change := 'updated';
        END IF;
    ELSE
        change := 'deleted';
        row_data := OLD;
        old_status := OLD.status;
    END IF;

    IF change IN ('registered', 'status') THEN
        INSERT INTO ml_model_events (model_id, model_name, model_version, from_status, to_status, reason, actor)
        VALUES (row_data.model_id, row_data.model_name, row_data.model_version, old_status, new_status,
                event_reason, event_actor)
        RETURNING event_id INTO new_event_id;
    END IF;

    PERFORM pg_notify('leafwise_models', json_build_object(
        'change', change,
        'eventId', new_event_id,
        'modelId', row_data.model_id,
        'modelName', row_data.model_name,
        'modelVersion', row_data.model_version,
        'fromStatus', old_status,
        'toStatus', new_status,
        'reason', left(event_reason, 2000), -- NOTIFY payloads must stay under 8000 bytes
        'actor', event_actor,
        'at', clock_timestamp()
    )::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER ml_models_record_event
    AFTER INSERT OR UPDATE OR DELETE ON ml_models
    FOR EACH ROW EXECUTE FUNCTION leafwise_record_model_event();
