import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';
import type { AgentState, BreakReason, Channel, RequestableState, StateCause } from '../../shared';
import type {
  CommentColumns,
  CustomerColumns,
  HistoryColumns,
  InteractionColumns,
  TicketColumns,
} from '../../shared/storage/columns';

/** Table types of the central store. Every entity row carries `version`: the change_log version of its last change. */
export interface Database {
  departments: {
    id: string;
    code: string;
    name_zh: string;
    name_en: string;
    version: number;
    /** Triage (migration 0031): the taxonomy department this one stands for; null: triage never routes here. */
    triage_label: string | null;
  };
  users: {
    id: string;
    username: string;
    display_name: string;
    role: 'agent' | 'team_lead' | 'supervisor' | 'admin';
    department_id: string | null;
    password_hash: string;
    disabled: number;
    version: number;
  };
  refresh_tokens: {
    token_hash: string;
    user_id: string;
    family_id: string;
    expires_at: string;
    revoked_at: string | null;
  };
  /** One sign-in; its id is the refresh-token family and the access tokens' `sid`. */
  sessions: {
    id: string;
    user_id: string;
    created_at: string;
    revoked_at: string | null;
    /** logout, password, disabled, refresh-reused, before-sessions */
    revoked_reason: string | null;
  };
  /** Failed sign-ins per account or client address (auth/login-throttle.ts). */
  login_throttle: {
    key: string;
    failures: number;
    refused: number;
    first_failure_at: string;
    last_failure_at: string;
  };
  customers: CustomerColumns;
  /** The service numbers every ticket it holds. */
  tickets: Omit<
    TicketColumns,
    'channel' | 'tags' | 'fields' | 'related_ids' | 'parent_id' | 'merged_into'
  > & {
    /** Triage (migration 0031): category and triage (JSON) are nullable, so rows may be written without them. */
    /** 1 while the ticket waits in the triage queue; the predicting model's version (service-only columns). */
    triage_review: ColumnType<number, number | undefined, number>;
    triage_version: number | null;
    number: number;
    /** Defaults to web (migration 0013), so a row written without it reads as an older ticket would. */
    channel: ColumnType<Channel, Channel | undefined, Channel>;
    /** JSON; default none (migration 0016). */
    tags: ColumnType<string, string | undefined, string>;
    fields: ColumnType<string, string | undefined, string>;
    /** JSON; default none (migration 0017). */
    related_ids: ColumnType<string, string | undefined, string>;
    parent_id: ColumnType<string | null, string | null | undefined, string | null>;
    merged_into: ColumnType<string | null, string | null | undefined, string | null>;
    /**
     * The SLA as the service last computed it (migrations 0014, 0019; src/server/sla); instants in epoch
     * milliseconds; null = none.
     */
    sla_due_ms: ColumnType<number | null, number | null | undefined, number | null>;
    sla_state: ColumnType<string | null, string | null | undefined, string | null>;
    /** When the SLA state next changes (a warning or breach to act on); indexed for the sweeper. */
    sla_next_check_ms: ColumnType<number | null, number | null | undefined, number | null>;
    /** SlaTimeline JSON as of the ticket's last change; null until first computed. */
    sla_timeline: ColumnType<string | null, string | null | undefined, string | null>;
    /** Soft deletion (migration 0018): when and by whom; every read of tickets leaves such a row out. */
    deleted_at: ColumnType<string | null, string | null | undefined, string | null>;
    deleted_by: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /** Warnings and breaches the service acted on, once each (migration 0014). */
  sla_events: {
    ticket_id: string;
    target: 'firstResponse' | 'nextResponse' | 'resolution';
    kind: 'warning' | 'breach';
    due_at: string;
    at: string;
    policy_id: string;
    /** 1: recorded without escalating, already escalated under the policy before an escalation's change. */
    carried: ColumnType<number, number | undefined, number>;
  };
  ticket_comments: CommentColumns & { version: number };
  /** device_id: the installation that made the change (migration 0006); null when unknown or not a desktop's. */
  ticket_history: HistoryColumns & { version: number; device_id: string | null };
  knowledge_articles: {
    id: string;
    title: string;
    body: string;
    language: 'zh-CN' | 'en';
    department_id: string | null;
    version: number;
    // Knowledge base (issue 13, kb helper; migration 0021): defaults keep rows written without them readable.
    category_id: ColumnType<string | null, string | null | undefined, string | null>;
    audience: ColumnType<'public' | 'internal', 'public' | 'internal' | undefined, 'public' | 'internal'>;
    state: ColumnType<KbStateColumn, KbStateColumn | undefined, KbStateColumn>;
    /** JSON array of strings. */
    tags: ColumnType<string, string | undefined, string>;
    author_id: ColumnType<string | null, string | null | undefined, string | null>;
    author_name: ColumnType<string, string | undefined, string>;
    updated_at: ColumnType<string, string | undefined, string>;
  };
  // Knowledge base (issue 13, kb helper; migration 0021).
  kb_categories: { id: string; department_id: string | null; name_zh: string; name_en: string };
  /** Desktop-made customer ids that turned out to be an existing customer (same phone). */
  customer_aliases: {
    alias_id: string;
    customer_id: string;
    created_by: string | null;
    created_at: string;
  };
  /** Ids a channel knows a customer by (messaging sender ids, other systems' ids), per department. */
  customer_external_ids: {
    channel: string;
    external_id: string;
    department_id: string;
    customer_id: string;
    created_at: string;
  };
  applied_mutations: {
    id: string;
    user_id: string;
    name: string;
    status: 'applied' | 'rejected';
    version: number | null;
    error_code: string | null;
    error_message: string | null;
    at: string;
  };
  change_log: {
    version: Generated<number>;
    kind: ChangeKind;
    entity_id: string;
    /** null: in everyone's scope. */
    department_id: string | null;
    /** merge: kind customer only; entity_id is an alias (customer_aliases) of the customer it names. */
    op: 'upsert' | 'remove' | 'merge';
  };
  sip_accounts: { user_id: string; extension: string; password: string; issued_at: string };
  queues: {
    id: string;
    number: string;
    name_zh: string;
    name_en: string;
    department_id: string;
    skill: string;
    ring_timeout_seconds: number;
    /** Waiting in the queue (migration 0026). */
    priority: Generated<number>;
    max_wait_seconds: Generated<number | null>;
    overflow_queue_id: Generated<string | null>;
    /** 0 | 1 */
    callback_on_max_wait: Generated<number>;
    service_level_seconds: Generated<number>;
    service_level_target: Generated<number>;
  };
  agent_skills: { user_id: string; skill: string };
  agent_states: {
    user_id: string;
    state: AgentState;
    reason: BreakReason | null;
    pending_state: RequestableState | null;
    pending_reason: BreakReason | null;
    since: string;
    idle_since: string | null;
    interaction_id: string | null;
    version: number;
    /** 1 / 0 as the agent's desktop last said; NULL: never said (migration 0027). */
    phone_registered?: number | null;
  };
  agent_state_log: {
    id: string;
    user_id: string;
    from_state: AgentState;
    to_state: AgentState;
    reason: BreakReason | null;
    cause: StateCause;
    actor_id: string | null;
    interaction_id: string | null;
    at: string;
    /** A supervisor's note (migration 0027). */
    note?: string | null;
  };
  /**
   * Call records; the queue columns (migration 0026) are the service's own, not synced to desktops: when the
   * call entered its first queue, when it entered the queue it is in now (overflow), its seconds in the queue
   * (to the answer, or to the caller's hang-up, callback or maximum wait) and how it left (QueueResult).
   */
  interactions: InteractionColumns & {
    queued_at?: string | null;
    queue_since?: string | null;
    wait_seconds?: number | null;
    queue_result?: string | null;
    /** csat, csat_at: the customer's 1-5 rating and when (reports, migration 0029). */
    csat: ColumnType<number | null, number | null | undefined, number | null>;
    csat_at: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /** A desktop's id for a call it logged, merged into the record the service already had. */
  interaction_aliases: { id: string; interaction_id: string };
  /** Values handed out under a row lock (db/counters.ts, migration 0008). */
  counters: { name: string; value: number };
  /** Secrets all nodes on one PostgreSQL share (auth/signing-secret.ts); unused on SQLite. */
  server_secrets: { name: string; value: string };
  /** Admin configuration (migration 0011): each row's definition is JSON of its src/shared/admin schema. */
  admin_calendars: { id: string; body: string };
  sla_policies: {
    id: string;
    department_id: string;
    priority: string;
    channel: string;
    calendar_id: string;
    body: string;
  };
  custom_fields: { id: string; department_id: string; key: string; body: string };
  /** 'workflow' (WorkflowSettings JSON), 'config_version' (a number: GET /api/config's version). */
  admin_settings: { name: string; value: string };
  /** Audit records as writers append them, before the chainer gives them a place (audit/README.md). */
  audit_pending: {
    id: Generated<number>;
    at: string;
    actor_id: string | null;
    /** From where: the client's address or device, when the writer knows it. */
    source: string | null;
    action: string;
    subject_id: string | null;
    detail: string;
  };
  /** The hash chain (migration 0010): seq is the chain position the chainer assigned. */
  audit_log: {
    seq: number;
    at: string;
    actor_id: string | null;
    source: string | null;
    action: string;
    subject_id: string | null;
    detail: string;
    prev_hash: string;
    hash: string;
  };
  // email (issue 13, migration 0022): src/server/email and src/server/attachments.
  /** Support addresses mail is taken for, one department each; relay null: the service's default. */
  email_mailboxes: {
    address: string;
    department_id: string;
    display_name: string;
    relay_host: string | null;
    relay_port: number | null;
    created_at: string;
    updated_at: string;
  };
  /** Every mail in or out; outcome ticket | threaded | dropped | sent, reason why a mail was dropped. */
  email_messages: {
    id: string;
    message_id: string;
    direction: 'in' | 'out';
    mailbox: string;
    from_address: string;
    to_address: string;
    subject: string;
    ticket_id: string | null;
    comment_id: string | null;
    outcome: string;
    reason: string | null;
    at: string;
  };
  /** Replies waiting for, or given to, the relay; one per public comment on an email ticket. */
  email_outbox: {
    comment_id: string;
    ticket_id: string;
    department_id: string;
    mailbox: string;
    to_address: string;
    subject: string;
    body: string;
    message_id: string;
    in_reply_to: string | null;
    /** JSON array of Message-IDs (the References header). */
    refs: string;
    state: 'queued' | 'sent' | 'failed';
    attempts: ColumnType<number, number | undefined, number>;
    next_attempt_ms: ColumnType<number, number, number>;
    /** A node sending it holds it until then, so two nodes never send one reply at once. */
    lease_until_ms: ColumnType<number, number | undefined, number>;
    last_error: string | null;
    created_at: string;
    sent_at: string | null;
  };
  attachments: {
    id: string;
    ticket_id: string;
    comment_id: string;
    file_name: string;
    content_type: string;
    size: number;
    sha256: string;
    source: 'email' | 'chat';
    created_at: string;
  };
  /** Signed heads of the chain; id 0 is the chain's signed start. */
  audit_checkpoints: {
    id: number;
    chain_id: string;
    seq: number;
    hash: string;
    at: string;
    key_id: string;
    signature: string;
  };
  // Intake (issue 13, migration 0023): messaging webhooks, API keys, customer merge (src/server/intake).
  intake_channels: {
    id: string;
    kind: 'wecom' | 'json';
    name: string;
    department_id: string;
    secret: string;
    outbound_url: string | null;
    enabled: number;
    created_at: string;
    updated_at: string;
  };
  // Web chat (issue 13, chat area; migration 0024, chat/README.md).
  chat_sites: {
    id: string;
    name: string;
    department_id: string;
    queue_id: string | null;
    /** JSON array of exact origins. */
    origins: string;
    allow_service_origin: number;
    enabled: number;
    created_at: string;
    updated_at: string;
  };
  intake_nonces: { channel_id: string; nonce: string; seen_ms: number };
  intake_messages: {
    channel_id: string;
    message_id: string;
    ticket_id: string;
    comment_id: string;
    received_at: string;
  };
  intake_threads: {
    ticket_id: string;
    channel_id: string;
    sender_id: string;
    customer_id: string;
    created_at: string;
  };
  intake_outbound: {
    id: string;
    channel_id: string;
    ticket_id: string;
    comment_id: string;
    recipient: string;
    body: string;
    status: 'pending' | 'sent' | 'failed';
    attempts: number;
    next_attempt_ms: number;
    last_error: string | null;
    created_at: string;
    sent_at: string | null;
  };
  api_keys: {
    id: string;
    name: string;
    prefix: string;
    key_hash: string;
    department_id: string;
    created_by: string;
    created_at: string;
    revoked_at: string | null;
    revoked_by: string | null;
    last_used_at: string | null;
  };
  intake_rate: { key: string; window_ms: number; count: number };
  intake_requests: {
    key_id: string;
    idempotency_key: string;
    request_hash: string;
    response: string;
    created_at: string;
  };
  customer_merges: {
    merged_id: string;
    into_id: string;
    merged_by: string;
    merged_at: string;
    record: string;
  };
  chat_visitors: {
    id: string;
    site_id: string;
    token_hash: string;
    name: string | null;
    phone: string | null;
    email: string | null;
    language: string | null;
    customer_id: string | null;
    address: string | null;
    created_at: string;
    last_seen_at: string;
  };
  chat_sessions: {
    id: string;
    visitor_id: string;
    site_id: string;
    department_id: string;
    queue_id: string | null;
    customer_id: string | null;
    /** ChatState */
    state: string;
    agent_id: string | null;
    last_seq: number;
    agent_delivered_seq: number;
    agent_read_seq: number;
    visitor_delivered_seq: number;
    visitor_read_seq: number;
    language: string | null;
    created_at: string;
    updated_at: string;
    handoff_at: string | null;
    ended_at: string | null;
  };
  chat_messages: {
    id: string;
    session_id: string;
    seq: number;
    /** ChatSender */
    sender: string;
    author_id: string | null;
    client_id: string | null;
    client_key: string | null;
    body: string;
    name: string | null;
    event: string | null;
    /** JSON ChatAttachmentRef[], or null for none. */
    attachments: string | null;
    article_id: string | null;
    created_at: string;
  };
  // Chat routing (issue 13, chat-routing helper; migration 0025).
  chat_offers: {
    id: string;
    session_id: string;
    agent_id: string;
    /** open | accepted | declined | timeout | withdrawn */
    state: string;
    offered_at: string;
    expires_at: string;
    closed_at: string | null;
  };
  chat_ticket_links: { session_id: string; ticket_id: string; linked_by: string; linked_at: string };
  chat_interactions: {
    id: string;
    session_id: string;
    department_id: string;
    customer_id: string | null;
    agent_id: string | null;
    visitor_name: string | null;
    started_at: string;
    ended_at: string;
    message_count: number;
    transcript: string;
    // Reports (issue 14, migration 0029): the visitor's 1-5 rating after the chat ended.
    csat: ColumnType<number | null, number | null | undefined, number | null>;
    csat_at: ColumnType<string | null, string | null | undefined, string | null>;
  };
  // Reports (issue 14, reports helper; migration 0029): reports/README.md.
  report_facts: ReportMeasures & {
    kind: 'ticket' | 'call' | 'chat';
    entity_id: string;
    bucket_ms: number;
    department_id: string;
    queue_key: string;
    agent_key: string;
    channel: string;
    category: string;
  };
  report_buckets: ReportMeasures & {
    dim: string;
    department_id: string;
    bucket_ms: number;
    dim_key: string;
    busy_sec: ColumnType<number, number | undefined, number>;
    staffed_sec: ColumnType<number, number | undefined, number>;
  };
  report_cursors: { name: string; position: string };
  report_rating_links: {
    token_hash: string;
    interaction_id: string;
    created_by: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
  };
  canned_responses: {
    id: string;
    /** '' for every department. */
    department_id: string;
    language: string;
    shortcut: string;
    title: string;
    body: string;
    updated_at: string;
  };
  // Supervisors (issue 14, monitor helper; migration 0028).
  /** A wallboard's token, kept as its SHA-256 (base64url); department_ids is a JSON array. */
  wallboard_tokens: {
    id: string;
    token_hash: string;
    name: string;
    department_ids: string;
    rotate_seconds: number;
    created_by: string;
    created_at: string;
    last_seen_at: string | null;
    revoked_at: string | null;
  };
  /** What a supervisor sent to one agent (to_user_id) or a department's desktops (to_department_id). */
  supervisor_messages: {
    id: string;
    from_user_id: string;
    to_user_id: string | null;
    to_department_id: string | null;
    text: string;
    at: string;
  };
  // Voice of the customer (issue 14, voc helper; migration 0030, src/server/voc).
  // Quality review (issue 15, quality helper; migration 0032, src/server/quality).
  quality_rules: {
    department_id: string;
    kind: string;
    body: string;
    updated_at: string;
    updated_by: string | null;
  };
  quality_settings: {
    department_id: string;
    rubric: string;
    sampling: string;
    updated_at: string;
    updated_by: string | null;
  };
  quality_state: { name: string; value: number };
  quality_contacts: {
    kind: string;
    contact_id: string;
    department_id: string;
    agent_id: string | null;
    channel: string;
    title: string;
    at: string;
    findings: number;
    /** SEVERITY_RANK of the worst finding; -1 none. */
    worst: number;
    checked_at: string;
  };
  quality_findings: {
    id: string;
    kind: string;
    contact_id: string;
    department_id: string;
    agent_id: string | null;
    rule: string;
    severity: string;
    part_id: string | null;
    span_start: number | null;
    span_end: number | null;
    excerpt: string;
    at: string;
  };
  quality_samples: {
    kind: string;
    contact_id: string;
    department_id: string;
    agent_id: string;
    period_start: string;
    sampled_at: string;
  };
  quality_reviews: {
    id: string;
    kind: string;
    contact_id: string;
    department_id: string;
    agent_id: string;
    reviewer_id: string;
    scores: string;
    rubric: string;
    total: number;
    comment: string;
    contact_at: string;
    created_at: string;
    returned_at: string | null;
    acknowledged_at: string | null;
  };
  voc_state: { name: string; value: number };
  voc_contacts: {
    seq: Generated<number>;
    contact_id: string;
    kind: 'ticket' | 'call';
    department_id: string;
    /** UTC days since 1970-01-01. */
    day: number;
    ticket_id: string | null;
    /** JSON array of the terms and phrases it mentions. */
    terms: string;
    sentiment: number | null;
    zh: number;
  };
  voc_postings: { term: string; day: number; contact: number };
  voc_daily: { department_id: string; day: number; term: string; contacts: number };
  /** week: voc-text.ts weekOf (Monday-based weeks since 1970). */
  voc_weekly: { department_id: string; week: number; term: string; contacts: number };
  /** Triage (migration 0031, src/server/triage): the model's versions and agents' corrections. */
  triage_models: {
    version: number;
    id: string;
    created_at: string;
    trained_lines: number;
    corrections_used: number;
    /** TriageMetrics JSON (src/shared/triage/api.ts). */
    metrics: string;
    trained_by: string | null;
    /** The serialised model (loadTriageModel reads it). */
    model: string;
  };
  triage_corrections: {
    id: string;
    ticket_id: string;
    department_id: string;
    field: string;
    from_value: string | null;
    to_value: string | null;
    model_version: number;
    actor_id: string | null;
    at: string;
  };
  voc_daily_totals: {
    department_id: string;
    day: number;
    contacts: number;
    positive: number;
    neutral: number;
    negative: number;
    zh: number;
  };
}

/** The summable figures of a fact or bucket (reports, migration 0029). */
export interface ReportMeasures {
  volume: number;
  answered: number;
  abandoned: number;
  fr_count: number;
  fr_sec: number;
  resolved: number;
  res_sec: number;
  sla_met: number;
  sla_total: number;
  handled: number;
  handle_sec: number;
  transfers: number;
  csat_count: number;
  csat_sum: number;
}

// Knowledge base (issue 13, kb helper).
type KbStateColumn = 'draft' | 'in_review' | 'published' | 'archived';

export type ChangeKind =
  'department' | 'user' | 'customer' | 'ticket' | 'comment' | 'history' | 'interaction' | 'chat';

export type Db = Kysely<Database>;
/** A database handle or an open transaction: store functions take either. */
export type Tx = Kysely<Database> | Transaction<Database>;
