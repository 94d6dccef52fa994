export * from './version/index.ts';
export * from './db/index.ts';
export * from './match/index.ts';
export * from './severity/index.ts';
export * from './input/index.ts';
export * from './suppress/index.ts';
export * from './report/index.ts';
export { DEFAULT_MAX_DB_AGE_DAYS, matchesAtOrAbove, parseSeverityLevel, scan, SEVERITY_LEVELS } from './scan.ts';
export type { ScanMatch, ScanOptions, ScanPackage, ScanResult } from './scan.ts';
