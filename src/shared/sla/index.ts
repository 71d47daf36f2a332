export * from './calendar';
export * from './calendar-index';
export * from './clock';
export * from './china-holidays';
export * from './ticket-sla';
