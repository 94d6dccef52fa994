export * from './cataloger.ts';
export * from './merge.ts';
export * from './license.ts';
export * from './xml.ts';
