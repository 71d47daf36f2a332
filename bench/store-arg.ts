import { parseArgs } from 'node:util';

/** The store a bench runs the service on: `--db sqlite` (the default) or `--db postgres` (a throwaway cluster). */
export function benchStoreArg(): 'sqlite' | 'postgres' {
  const { values } = parseArgs({ options: { db: { type: 'string', default: 'sqlite' } }, strict: false });
  const store = values.db;
  if (store !== 'sqlite' && store !== 'postgres')
    throw new Error(`--db ${String(store)}: say --db sqlite (the default) or --db postgres`);
  return store;
}
