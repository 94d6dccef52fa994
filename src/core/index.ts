export * from './errors.ts';
export * from './logger.ts';
export * from './limits.ts';
export * from './version.ts';
export * from './digest.ts';
