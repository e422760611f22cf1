// Naming rules of models (guide, "Naming Conventions"). The single source is src/names.ts,
// shared with the package layer, so the directory and the database row obey one rule.
export {
  compareModelVersions,
  MODEL_NAME_MAX,
  MODEL_NAME_PATTERN,
  MODEL_VERSION_MAX,
  MODEL_VERSION_PATTERN,
  validateModelName,
  validateModelVersion,
} from '../names.ts'
