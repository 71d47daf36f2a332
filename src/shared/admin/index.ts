export * from './schemas';
export * from './rest';
export * from './custom-field-values';
