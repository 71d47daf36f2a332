export * from './contract';
export * from './triage';
