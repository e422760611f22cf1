-- The guide lists the allowed values of status, tier_requirement and prediction_horizon
-- ("Field Descriptions") but never enforces them; a typo such as 'deploy' would silently
-- hide a model from the ensemble.
ALTER TABLE ml_models
    ADD CONSTRAINT ml_models_status_check
    CHECK (status IN ('training', 'validated', 'deployed', 'shadow', 'deprecated'));

ALTER TABLE ml_models
    ADD CONSTRAINT ml_models_tier_requirement_check
    CHECK (tier_requirement IN ('free', 'premium', 'enterprise'));

ALTER TABLE ml_models
    ADD CONSTRAINT ml_models_prediction_horizon_check
    CHECK (prediction_horizon IN ('1h', '4h', '1d', '1w', '2w', '1m', '3m'));

CREATE INDEX IF NOT EXISTS ml_models_status_idx ON ml_models (status);
