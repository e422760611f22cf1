// leafwise: the portable entry point (LightGBM core, model packages, ensemble).
export { LeafwiseError } from './errors.ts'
export * from './lightgbm/index.ts'
export * from './package/index.ts'
export * from './ensemble/index.ts'
