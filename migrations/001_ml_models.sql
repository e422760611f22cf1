-- The guide's ml_models table, unchanged (spec/model-registration-guide.md, "Table Schema").
-- IF NOT EXISTS lets leafwise adopt a database where the guide's table was created by hand.
CREATE TABLE IF NOT EXISTS ml_models (
    model_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    model_name VARCHAR(255) NOT NULL,
    model_version VARCHAR(50) NOT NULL,
    model_type VARCHAR(100) NOT NULL,
    objective VARCHAR(100) NOT NULL,
    target_variable VARCHAR(255) NOT NULL,
    prediction_horizon VARCHAR(20) NOT NULL,

    validation_score DECIMAL(10,6),
    test_score DECIMAL(10,6),

    tier_requirement VARCHAR(20) DEFAULT 'premium',

    status VARCHAR(50) DEFAULT 'deployed',

    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(model_name, model_version)
);
