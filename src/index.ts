// leafwise: the portable entry point (LightGBM core, model packages, ensemble).
export { LeafwiseError } from './errors.ts'
export * from './lightgbm/index.ts'
