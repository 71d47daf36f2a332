export * from './taxonomy';
export * from './schemas';
export * from './api';
