export * from './limits';
export * from './text';
export * from './protocol';
export * from './agent-protocol';
