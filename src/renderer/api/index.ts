export { getApi, hostConnection } from './get-api';
export { errorBodyOf, toSwitchboardError } from './api-error';
export type { HostConnection } from './host-connection';
