// leafwise: the portable entry point (LightGBM core, model packages, ensemble).

export * from './ensemble/index.ts'
export { LeafwiseError } from './errors.ts'
export * from './lightgbm/index.ts'
export * from './package/index.ts'
