// GENERATED from migrations/*.sql by test/registry/generate-migrations.ts: do not edit by hand.
// The SQL is embedded so that the registry runs where there is no file system.

/** One numbered migration file. */
export interface Migration {
  id: number
  name: string
  sql: string
}

/** Every migration, in the order they are applied. */
export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: '001_ml_models',
    sql: "-- The guide's ml_models table, unchanged (spec/model-registration-guide.md, \"Table Schema\").\n-- IF NOT EXISTS lets leafwise adopt a database where the guide's table was created by hand.\nCREATE TABLE IF NOT EXISTS ml_models (\n    model_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n    model_name VARCHAR(255) NOT NULL,\n    model_version VARCHAR(50) NOT NULL,\n    model_type VARCHAR(100) NOT NULL,\n    objective VARCHAR(100) NOT NULL,\n    target_variable VARCHAR(255) NOT NULL,\n    prediction_horizon VARCHAR(20) NOT NULL,\n\n    validation_score DECIMAL(10,6),\n    test_score DECIMAL(10,6),\n\n    tier_requirement VARCHAR(20) DEFAULT 'premium',\n\n    status VARCHAR(50) DEFAULT 'deployed',\n\n    created_at TIMESTAMPTZ DEFAULT NOW(),\n    updated_at TIMESTAMPTZ DEFAULT NOW(),\n\n    UNIQUE(model_name, model_version)\n);\n",
  },
  {
    id: 2,
    name: '002_value_checks',
    sql: "-- The guide lists the allowed values of status, tier_requirement and prediction_horizon\n-- (\"Field Descriptions\") but never enforces them; a typo such as 'deploy' would silently\n-- hide a model from the ensemble.\nALTER TABLE ml_models\n    ADD CONSTRAINT ml_models_status_check\n    CHECK (status IN ('training', 'validated', 'deployed', 'shadow', 'deprecated'));\n\nALTER TABLE ml_models\n    ADD CONSTRAINT ml_models_tier_requirement_check\n    CHECK (tier_requirement IN ('free', 'premium', 'enterprise'));\n\nALTER TABLE ml_models\n    ADD CONSTRAINT ml_models_prediction_horizon_check\n    CHECK (prediction_horizon IN ('1h', '4h', '1d', '1w', '2w', '1m', '3m'));\n\nCREATE INDEX IF NOT EXISTS ml_models_status_idx ON ml_models (status);\n",
  },
  {
    id: 3,
    name: '003_updated_at',
    sql: "-- The guide's Issue 3 fix sets updated_at by hand; a trigger keeps it right for every UPDATE.\nCREATE OR REPLACE FUNCTION leafwise_touch_updated_at() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n    NEW.updated_at := NOW();\n    RETURN NEW;\nEND;\n$$;\n\nCREATE TRIGGER ml_models_touch_updated_at\n    BEFORE UPDATE ON ml_models\n    FOR EACH ROW EXECUTE FUNCTION leafwise_touch_updated_at();\n",
  },
  {
    id: 4,
    name: '004_model_events',
    sql: "-- History of every registration and status change, written by a trigger so that manual SQL\n-- (the guide's \"Manual SQL Registration\" and its Issue 1 / Issue 3 fixes) is recorded too.\n-- The reason and actor come from the transaction-local settings leafwise.reason and\n-- leafwise.actor; without them the actor is the database user.\n-- Every change of ml_models is announced on the channel leafwise_models (LISTEN/NOTIFY).\nCREATE TABLE IF NOT EXISTS ml_model_events (\n    event_id BIGSERIAL PRIMARY KEY,\n    model_id UUID NOT NULL,\n    model_name VARCHAR(255) NOT NULL,\n    model_version VARCHAR(50) NOT NULL,\n    from_status VARCHAR(50),\n    to_status VARCHAR(50),\n    reason TEXT,\n    actor TEXT NOT NULL,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()\n);\n\nCREATE INDEX IF NOT EXISTS ml_model_events_name_idx ON ml_model_events (model_name, event_id);\n\nCREATE OR REPLACE FUNCTION leafwise_record_model_event() RETURNS trigger\nLANGUAGE plpgsql AS $$\nDECLARE\n    change TEXT;\n    row_data ml_models;\n    old_status VARCHAR(50);\n    new_status VARCHAR(50);\n    event_reason TEXT := NULLIF(current_setting('leafwise.reason', true), '');\n    event_actor TEXT := COALESCE(NULLIF(current_setting('leafwise.actor', true), ''), current_user::text);\n    new_event_id BIGINT;\nBEGIN\n    IF TG_OP = 'INSERT' THEN\n        change := 'registered';\n        row_data := NEW;\n        new_status := NEW.status;\n    ELSIF TG_OP = 'UPDATE' THEN\n        row_data := NEW;\n        old_status := OLD.status;\n        new_status := NEW.status;\n        IF OLD.status IS DISTINCT FROM NEW.status THEN\n            change := 'status';\n        ELSE\n            change := 'updated';\n        END IF;\n    ELSE\n        change := 'deleted';\n        row_data := OLD;\n        old_status := OLD.status;\n    END IF;\n\n    IF change IN ('registered', 'status') THEN\n        INSERT INTO ml_model_events (model_id, model_name, model_version, from_status, to_status, reason, actor)\n        VALUES (row_data.model_id, row_data.model_name, row_data.model_version, old_status, new_status,\n                event_reason, event_actor)\n        RETURNING event_id INTO new_event_id;\n    END IF;\n\n    PERFORM pg_notify('leafwise_models', json_build_object(\n        'change', change,\n        'eventId', new_event_id,\n        'modelId', row_data.model_id,\n        'modelName', row_data.model_name,\n        'modelVersion', row_data.model_version,\n        'fromStatus', old_status,\n        'toStatus', new_status,\n        'reason', left(event_reason, 2000), -- NOTIFY payloads must stay under 8000 bytes\n        'actor', event_actor,\n        'at', clock_timestamp()\n    )::text);\n    RETURN NULL;\nEND;\n$$;\n\nCREATE TRIGGER ml_models_record_event\n    AFTER INSERT OR UPDATE OR DELETE ON ml_models\n    FOR EACH ROW EXECUTE FUNCTION leafwise_record_model_event();\n",
  },
  {
    id: 10,
    name: '010_predictions',
    sql: '-- The prediction store: one row per analysis, written in batches by leafwise/monitor\'s\n-- createPredictionStore. prediction_uid is made by the writer, so a batch retried after a\n-- lost connection is inserted once (ON CONFLICT DO NOTHING).\n-- votes: [{"n": name, "v": version, "r": "deployed" | "canary" | "shadow", "s": signal,\n--          "c": confidence, "p": [P(BEARISH), P(NEUTRAL), P(BULLISH)], "o": [model output], "w": weight}]\nCREATE TABLE IF NOT EXISTS ml_predictions (\n    prediction_id BIGSERIAL PRIMARY KEY,\n    prediction_uid TEXT NOT NULL UNIQUE,\n    predicted_at TIMESTAMPTZ NOT NULL,\n    request_key TEXT,\n    record_hash TEXT NOT NULL,\n    tier VARCHAR(20),\n    generation INTEGER,\n    latency_ms DOUBLE PRECISION,\n    features JSONB NOT NULL,\n    consensus JSONB,\n    votes JSONB NOT NULL,\n    errors JSONB\n);\n\nCREATE INDEX IF NOT EXISTS ml_predictions_time_idx ON ml_predictions (predicted_at);\nCREATE INDEX IF NOT EXISTS ml_predictions_key_idx ON ml_predictions (request_key, predicted_at);\n\n-- Realized labels, joined to stored predictions when read (the prediction of the same key\n-- nearest in time). One outcome per key and time: recording it again replaces it.\nCREATE TABLE IF NOT EXISTS ml_outcomes (\n    outcome_id BIGSERIAL PRIMARY KEY,\n    outcome_key TEXT NOT NULL,\n    observed_at TIMESTAMPTZ NOT NULL,\n    actual_label TEXT,\n    actual_value DOUBLE PRECISION,\n    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),\n    UNIQUE (outcome_key, observed_at),\n    CHECK (actual_label IS NOT NULL OR actual_value IS NOT NULL)\n);\n\nCREATE INDEX IF NOT EXISTS ml_outcomes_time_idx ON ml_outcomes (observed_at);\n',
  },
]
