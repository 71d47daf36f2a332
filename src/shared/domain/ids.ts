import { z } from 'zod';

/** Client- and server-made ids are UUIDs (v7 where we create them, so they sort by creation time). */
export const Id = z.uuid();
export type Id = z.infer<typeof Id>;

/** UTC instant as ISO 8601 text; every stored time is UTC (ARCHITECTURE.md "Time"). */
export const Instant = z.iso.datetime({ offset: true });
export type Instant = z.infer<typeof Instant>;
