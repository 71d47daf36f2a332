export * from './errors';
export * from './auth';
export * from './sync';
export * from './voice';
export * from './call-records';
export * from './audit';
export * from './sla';
export * from './supervisor';
