import { m001Initial } from './001-initial';
import { m002FtsFacets } from './002-fts-facets';
import { m003CustomerFts } from './003-customer-fts';
import { m004Interactions } from './004-interactions';
import { m005CreateOffline } from './005-create-offline';
import { m006TicketConflicts } from './006-ticket-conflicts';
import { m007OutboxContext } from './007-outbox-context';
import { m008ConflictOrigin } from './008-conflict-origin';
import { m009TicketSeq } from './009-ticket-seq';
import { m010TicketTransfer } from './010-ticket-transfer';
import { m011TicketChannel } from './011-ticket-channel';
import { m012TicketTagsFields } from './012-ticket-tags-fields';
import { m013TicketLinks } from './013-ticket-links';
import { m014TicketSla } from './014-ticket-sla';
import { m015FtsSlaDue } from './015-fts-sla-due';
import { m016FtsCombinedFacets } from './016-fts-combined-facets';
import { m017CommentEmail } from './017-comment-email'; // email (issue 13)
import { m018Chats } from './018-chats'; // chat-timeline (issue 13)
import { m019ChatOutbox } from './019-chat-outbox'; // chat-outbox (issue 13)
import { m020TicketTriage } from './020-ticket-triage'; // triage (issue 15)
import { m021FtsTriage } from './021-fts-triage'; // triage (issue 15, desk)
import { m022SlaIndexStatus } from './022-sla-index-status';
import type { Migration } from './types';

export type { Migration } from './types';

/** Every migration, in order. Append new files here; never edit one that has shipped. */
export const migrations: readonly Migration[] = [
  m001Initial,
  m002FtsFacets,
  m003CustomerFts,
  m004Interactions,
  m005CreateOffline,
  m006TicketConflicts,
  m007OutboxContext,
  m008ConflictOrigin,
  m009TicketSeq,
  m010TicketTransfer,
  m011TicketChannel,
  m012TicketTagsFields,
  m013TicketLinks,
  m014TicketSla,
  m015FtsSlaDue,
  m016FtsCombinedFacets,
  m017CommentEmail, // email (issue 13)
  m018Chats, // chat-timeline (issue 13)
  m019ChatOutbox, // chat-outbox (issue 13)
  m020TicketTriage, // triage (issue 15)
  m021FtsTriage, // triage (issue 15, desk)
  m022SlaIndexStatus,
];
