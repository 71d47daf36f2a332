export { createPhone } from './phone';
export { backoffDelay } from './backoff';
export type * from './types';
