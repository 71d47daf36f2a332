import { runAuditVerify } from './verify-command';

// npm run audit:verify -- --db ... (see verify-command.ts for the options).
runAuditVerify(process.argv.slice(2), (line) => console.log(line)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`audit:verify failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
