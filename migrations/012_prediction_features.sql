-- The features of a prediction, kept once per distinct record: the store writes each
-- distinct record hash of a batch once (its JSON of about 1.5 KB for the example models)
-- instead of repeating it in every row; a prediction reads its features through
-- ml_predictions.record_hash. last_seen is the latest prediction time that used the record;
-- retention deletes a record once it is older than the cutoff and no prediction uses it.
CREATE TABLE IF NOT EXISTS ml_prediction_features (
    record_hash TEXT PRIMARY KEY,
    features JSONB NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL
);

-- Rows written before this migration: their features move to the new table (equal hashes
-- carry equal features).
INSERT INTO ml_prediction_features (record_hash, features, last_seen)
SELECT DISTINCT ON (record_hash) record_hash, features,
       max(predicted_at) OVER (PARTITION BY record_hash)
FROM ml_predictions
ORDER BY record_hash, predicted_at DESC
ON CONFLICT (record_hash) DO NOTHING;

ALTER TABLE ml_predictions DROP COLUMN IF EXISTS features;
