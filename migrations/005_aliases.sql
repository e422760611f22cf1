-- Aliases (champion, challenger, ...): one version per alias per model, moved atomically.
-- The history gains an event type and a JSON detail; rows written before keep their meaning
-- (a row with no from_status is a registration, any other a status change).
ALTER TABLE ml_model_events ADD COLUMN IF NOT EXISTS event_type VARCHAR(30);
UPDATE ml_model_events
    SET event_type = CASE WHEN from_status IS NULL THEN 'registered' ELSE 'status' END
    WHERE event_type IS NULL;
ALTER TABLE ml_model_events ALTER COLUMN event_type SET DEFAULT 'status';
ALTER TABLE ml_model_events ALTER COLUMN event_type SET NOT NULL;
ALTER TABLE ml_model_events ADD COLUMN IF NOT EXISTS detail JSONB;
-- Events of a whole model (a tag on every version) have no version row.
ALTER TABLE ml_model_events ALTER COLUMN model_id DROP NOT NULL;

-- The ml_models trigger of 004, now naming the event type of what it writes.
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
        INSERT INTO ml_model_events (model_id, model_name, model_version, from_status, to_status, reason, actor,
                                     event_type)
        VALUES (row_data.model_id, row_data.model_name, row_data.model_version, old_status, new_status,
                event_reason, event_actor, change)
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

-- Records a change of aliases, tags or approvals in ml_model_events and announces it.
-- `detail` is the event's own facts (alias and versions, tag key and values, approval states).
CREATE OR REPLACE FUNCTION leafwise_record_event(
    p_kind TEXT, p_name TEXT, p_version TEXT, p_detail JSONB
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    event_reason TEXT := NULLIF(current_setting('leafwise.reason', true), '');
    event_actor TEXT := COALESCE(NULLIF(current_setting('leafwise.actor', true), ''), current_user::text);
    row_id UUID;
    new_event_id BIGINT;
BEGIN
    SELECT model_id INTO row_id FROM ml_models WHERE model_name = p_name AND model_version = p_version;
    INSERT INTO ml_model_events (model_id, model_name, model_version, reason, actor, event_type, detail)
    VALUES (row_id, p_name, COALESCE(p_version, ''), event_reason, event_actor, p_kind, p_detail)
    RETURNING event_id INTO new_event_id;
    PERFORM pg_notify('leafwise_models', json_build_object(
        'change', p_kind,
        'eventId', new_event_id,
        'modelId', row_id,
        'modelName', p_name,
        'modelVersion', COALESCE(p_version, ''),
        'fromStatus', NULL,
        'toStatus', NULL,
        'reason', left(event_reason, 2000),
        'actor', event_actor,
        'at', clock_timestamp(),
        'detail', p_detail
    )::text);
END;
$$;

CREATE TABLE IF NOT EXISTS ml_model_aliases (
    model_name VARCHAR(255) NOT NULL,
    alias VARCHAR(64) NOT NULL,
    model_version VARCHAR(50) NOT NULL,
    protected BOOLEAN NOT NULL DEFAULT false,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_by TEXT NOT NULL,
    PRIMARY KEY (model_name, alias),
    -- A version an alias points at cannot be deleted (move or remove the alias first).
    FOREIGN KEY (model_name, model_version) REFERENCES ml_models (model_name, model_version)
);

CREATE INDEX IF NOT EXISTS ml_model_aliases_version_idx ON ml_model_aliases (model_name, model_version);

CREATE OR REPLACE FUNCTION leafwise_record_alias_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM leafwise_record_event('alias', NEW.model_name, NEW.model_version, jsonb_build_object(
            'alias', NEW.alias, 'fromVersion', NULL, 'toVersion', NEW.model_version, 'protected', NEW.protected));
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.model_version IS DISTINCT FROM NEW.model_version OR OLD.protected IS DISTINCT FROM NEW.protected THEN
            PERFORM leafwise_record_event('alias', NEW.model_name, NEW.model_version, jsonb_build_object(
                'alias', NEW.alias, 'fromVersion', OLD.model_version, 'toVersion', NEW.model_version,
                'protected', NEW.protected));
        END IF;
    ELSE
        PERFORM leafwise_record_event('alias', OLD.model_name, OLD.model_version, jsonb_build_object(
            'alias', OLD.alias, 'fromVersion', OLD.model_version, 'toVersion', NULL, 'protected', OLD.protected));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ml_model_aliases_record_event
    AFTER INSERT OR UPDATE OR DELETE ON ml_model_aliases
    FOR EACH ROW EXECUTE FUNCTION leafwise_record_alias_event();
