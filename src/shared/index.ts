export * from './domain';
export * from './protocol';
export * from './ipc';
export * from './search/segment';
export * from './phone';
export * from './sla';
export * from './admin';
