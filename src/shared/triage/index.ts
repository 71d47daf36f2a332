export * from './taxonomy';
export * from './schemas';
