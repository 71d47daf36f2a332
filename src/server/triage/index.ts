export { triageRouter } from './triage-api';
export { TriageService, type TriageServiceOptions } from './triage-service';
export { triageDraft, type Decided, type TicketDraft } from './triage-ticket';
