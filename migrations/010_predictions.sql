-- The prediction store: one row per analysis, written in batches by leafwise/monitor's
-- createPredictionStore. prediction_uid is made by the writer, so a batch retried after a
-- lost connection is inserted once (ON CONFLICT DO NOTHING).
-- votes: [{"n": name, "v": version, "r": "deployed" | "canary" | "shadow", "s": signal,
--          "c": confidence, "p": [P(BEARISH), P(NEUTRAL), P(BULLISH)], "o": [model output], "w": weight}]
CREATE TABLE IF NOT EXISTS ml_predictions (
    prediction_id BIGSERIAL PRIMARY KEY,
    prediction_uid TEXT NOT NULL UNIQUE,
    predicted_at TIMESTAMPTZ NOT NULL,
    request_key TEXT,
    record_hash TEXT NOT NULL,
    tier VARCHAR(20),
    generation INTEGER,
    latency_ms DOUBLE PRECISION,
    features JSONB NOT NULL,
    consensus JSONB,
    votes JSONB NOT NULL,
    errors JSONB
);

CREATE INDEX IF NOT EXISTS ml_predictions_time_idx ON ml_predictions (predicted_at);
CREATE INDEX IF NOT EXISTS ml_predictions_key_idx ON ml_predictions (request_key, predicted_at);

-- Realized labels, joined to stored predictions when read (the prediction of the same key
-- nearest in time). One outcome per key and time: recording it again replaces it.
CREATE TABLE IF NOT EXISTS ml_outcomes (
    outcome_id BIGSERIAL PRIMARY KEY,
    outcome_key TEXT NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL,
    actual_label TEXT,
    actual_value DOUBLE PRECISION,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (outcome_key, observed_at),
    CHECK (actual_label IS NOT NULL OR actual_value IS NOT NULL)
);

CREATE INDEX IF NOT EXISTS ml_outcomes_time_idx ON ml_outcomes (observed_at);
