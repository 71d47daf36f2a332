export { SyncEngine, type SyncEngineOptions } from './engine';
export { socketIoConnection, type ConnectionFactory, type SyncConnection } from './transport';
export * as serverApi from './server-api';
