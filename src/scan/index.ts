export * from './version/index.ts';
export * from './db/index.ts';
export * from './match/index.ts';
export * from './severity/index.ts';
