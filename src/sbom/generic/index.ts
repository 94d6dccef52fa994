export * from './cataloger.ts';
export * from './merge.ts';
