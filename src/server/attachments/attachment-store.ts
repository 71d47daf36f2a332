import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { CommentAttachment } from '../../shared';
import type { Tx } from '../db/schema';

/**
 * Files kept with comments (mail now, chat later): the bytes under `<data folder>/attachments`, one file per
 * attachment named by its id (never by the sender's name, which may be anything), the rest in the attachments
 * table. Reads go through GET /api/attachments/:id with the ticket's scope checks (attachment-api.ts).
 */
export interface AttachmentLimits {
  /** Largest file kept; default 10 MB. */
  maxBytes: number;
  /** Content types kept (lower case); anything else is refused with its name said in the comment. */
  types: ReadonlySet<string>;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = {
  maxBytes: 10 * 1024 * 1024,
  types: new Set([
    'image/png',
    'image/jpeg',
    'image/gif',
    'image/webp',
    'application/pdf',
    'text/plain',
    'text/csv',
    'application/msword',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.ms-excel',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/zip',
  ]),
};

export interface IncomingFile {
  fileName: string;
  contentType: string;
  content: Buffer;
}

/** Why a file is not kept, in a sentence the comment carries; null when it may be kept. */
export function refusal(f: IncomingFile, limits: AttachmentLimits): string | null {
  const type = f.contentType.toLowerCase();
  if (!limits.types.has(type)) return `${f.fileName} was not kept: files of type ${type} are not accepted.`;
  if (f.content.length > limits.maxBytes)
    return `${f.fileName} was not kept: it is ${f.content.length} bytes, more than the ${limits.maxBytes} allowed.`;
  return null;
}

/** A file name safe to show and to offer as a download name: no path, no control characters, bounded. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // Control characters (C0 and DEL) and quotes: exactly what must not reach a header or a file dialog.
  const clean = [...base]
    .filter((ch) => ch.charCodeAt(0) > 0x1f && ch.charCodeAt(0) !== 0x7f && ch !== '"')
    .join('')
    .trim()
    .slice(0, 200);
  return clean || 'attachment';
}

export class AttachmentStore {
  private made = false;

  constructor(
    readonly folder: string,
    readonly limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS,
  ) {}

  private pathOf(id: string): string {
    return join(this.folder, id);
  }

  /**
   * Writes the file and its row (in the caller's transaction). The file is written first: if the transaction
   * then fails, `discard` removes it; a row never points at a missing file.
   */
  async save(
    trx: Tx,
    f: IncomingFile,
    about: { ticketId: string; commentId: string; source: 'email' | 'chat'; at: string },
  ): Promise<CommentAttachment> {
    const id = uuidv7();
    // Made at the first file, not at start: a service that never takes one leaves no folder behind.
    if (!this.made) mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    this.made = true;
    writeFileSync(this.pathOf(id), f.content, { mode: 0o600 });
    const meta: CommentAttachment = {
      id,
      fileName: cleanFileName(f.fileName),
      contentType: f.contentType.toLowerCase(),
      size: f.content.length,
    };
    await trx
      .insertInto('attachments')
      .values({
        id,
        ticket_id: about.ticketId,
        comment_id: about.commentId,
        file_name: meta.fileName,
        content_type: meta.contentType,
        size: meta.size,
        sha256: createHash('sha256').update(f.content).digest('hex'),
        source: about.source,
        created_at: about.at,
      })
      .execute();
    return meta;
  }

  /** Removes files written for a transaction that did not commit. */
  discard(ids: readonly string[]): void {
    for (const id of ids) rmSync(this.pathOf(id), { force: true });
  }

  async find(trx: Tx, id: string) {
    return trx.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  read(id: string): Buffer {
    return readFileSync(this.pathOf(id));
  }
}
