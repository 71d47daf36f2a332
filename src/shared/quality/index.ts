export * from './schemas';
export * from './defaults';
