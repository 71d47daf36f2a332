export { TriageKeeper, MODEL_POLL_MS, type NewTicketTriage, type ServiceModel } from './triage-keeper';
export { TriageModelCache, modelCachePath, CachedTriageModel } from './model-cache';
export { createTriageHandlers, type TriageSessionAccess } from './triage-handlers';
export { fetchServiceModel } from './fetch-model';
