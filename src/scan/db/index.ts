export { importOsv, DEFAULT_IMPORT_LIMITS } from './import.ts';
export type { ImportLimits, ImportOptions, ImportProblem, ImportReport, SourceReport } from './import.ts';
export { dbStatus } from './status.ts';
export type { DbStatus, DbStatusOptions, DbSourceStatus, EcosystemCount } from './status.ts';
export { SCHEMA_VERSION } from './schema.ts';
export { advisoryDbBuiltAt, openAdvisoryDb } from './open.ts';
