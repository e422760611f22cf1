-- Package files stored in the database, content-addressed by sha256 (one copy of a file
-- however many versions hold it), in chunks so no file is ever held whole in memory.
CREATE TABLE IF NOT EXISTS ml_artifact_blobs (
    sha256 CHAR(64) PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
    chunk_count INTEGER NOT NULL CHECK (chunk_count >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS ml_artifact_chunks (
    sha256 CHAR(64) NOT NULL REFERENCES ml_artifact_blobs (sha256) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0),
    data BYTEA NOT NULL,
    PRIMARY KEY (sha256, chunk_index)
);

