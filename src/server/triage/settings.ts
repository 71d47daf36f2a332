import {
  DEFAULT_RETRAIN_EVERY_HOURS,
  DEFAULT_TRIAGE_THRESHOLD,
  TriageSettings,
} from '../../shared/triage/api';
import type { Tx } from '../db/schema';

/** The triage settings (admin_settings 'triage'), read from the database on every use: nodes share them. */
const NAME = 'triage';

export const DEFAULT_TRIAGE_SETTINGS: TriageSettings = {
  threshold: DEFAULT_TRIAGE_THRESHOLD,
  retrainEveryHours: DEFAULT_RETRAIN_EVERY_HOURS,
};

export async function getTriageSettings(trx: Tx): Promise<TriageSettings> {
  const r = await trx
    .selectFrom('admin_settings')
    .select('value')
    .where('name', '=', NAME)
    .executeTakeFirst();
  if (!r) return DEFAULT_TRIAGE_SETTINGS;
  const parsed = TriageSettings.safeParse(JSON.parse(r.value));
  return parsed.success ? parsed.data : DEFAULT_TRIAGE_SETTINGS;
}

export async function putTriageSettings(trx: Tx, s: TriageSettings): Promise<void> {
  const value = JSON.stringify(s);
  await trx
    .insertInto('admin_settings')
    .values({ name: NAME, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}
