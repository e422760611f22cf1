-- Key/value tags on a model (model_version '' = every version) or on one version.
CREATE TABLE IF NOT EXISTS ml_model_tags (
    model_name VARCHAR(255) NOT NULL,
    model_version VARCHAR(50) NOT NULL DEFAULT '',
    tag_key VARCHAR(64) NOT NULL,
    tag_value VARCHAR(255) NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (model_name, model_version, tag_key)
);

CREATE INDEX IF NOT EXISTS ml_model_tags_key_idx ON ml_model_tags (tag_key, tag_value);

CREATE OR REPLACE FUNCTION leafwise_record_tag_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM leafwise_record_event('tag', NEW.model_name, NULLIF(NEW.model_version, ''), jsonb_build_object(
            'key', NEW.tag_key, 'from', NULL, 'to', NEW.tag_value));
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.tag_value IS DISTINCT FROM NEW.tag_value THEN
            PERFORM leafwise_record_event('tag', NEW.model_name, NULLIF(NEW.model_version, ''), jsonb_build_object(
                'key', NEW.tag_key, 'from', OLD.tag_value, 'to', NEW.tag_value));
        END IF;
    ELSE
        PERFORM leafwise_record_event('tag', OLD.model_name, NULLIF(OLD.model_version, ''), jsonb_build_object(
            'key', OLD.tag_key, 'from', OLD.tag_value, 'to', NULL));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ml_model_tags_record_event
    AFTER INSERT OR UPDATE OR DELETE ON ml_model_tags
    FOR EACH ROW EXECUTE FUNCTION leafwise_record_tag_event();
