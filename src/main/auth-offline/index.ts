export {
  OfflineVerifiers,
  MAX_OFFLINE_ATTEMPTS,
  KDF,
  type OfflineStatus,
  type OfflineEntry,
} from './verifiers';
export { ServerCheck } from './server-check';
