-- What registration records about a package: the sha256 and size of every file (integrity),
-- and its lineage and signature (features, objective, classes from model.txt).
CREATE TABLE IF NOT EXISTS ml_model_files (
    model_id UUID NOT NULL REFERENCES ml_models (model_id) ON DELETE CASCADE,
    path VARCHAR(255) NOT NULL,
    sha256 CHAR(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
    PRIMARY KEY (model_id, path)
);

CREATE TABLE IF NOT EXISTS ml_model_details (
    model_id UUID PRIMARY KEY REFERENCES ml_models (model_id) ON DELETE CASCADE,
    lineage JSONB,
    signature JSONB,
    summary JSONB
);
