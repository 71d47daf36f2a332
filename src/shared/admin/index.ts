export * from './schemas';
export * from './rest';
