-- The guide's Issue 3 fix sets updated_at by hand; a trigger keeps it right for every UPDATE.
CREATE OR REPLACE FUNCTION leafwise_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := NOW();
    RETURN NEW;
END;
$$;

CREATE TRIGGER ml_models_touch_updated_at
    BEFORE UPDATE ON ml_models
    FOR EACH ROW EXECUTE FUNCTION leafwise_touch_updated_at();
