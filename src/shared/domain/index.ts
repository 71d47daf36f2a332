export * from './ids';
export * from './directory';
export * from './customer';
export * from './ticket';
export * from './ticket-rules';
export * from './permissions';
