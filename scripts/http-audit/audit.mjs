// Runs graphql-http's GraphQL-over-HTTP server audits against a running
// medexchange (MEDEXCHANGE_URL, default http://127.0.0.1:8000/graphql) and
// fails unless every audit is `ok` (warnings and notices count as failures).
import { serverAudits } from 'graphql-http';

const url = process.env.MEDEXCHANGE_URL ?? 'http://127.0.0.1:8000/graphql';
let failed = 0;
let total = 0;
for (const audit of serverAudits({ url })) {
  total += 1;
  const result = await audit.fn();
  if (result.status === 'ok') {
    console.log(`ok      ${audit.name}`);
  } else {
    failed += 1;
    console.log(`${result.status.padEnd(7)} ${audit.name}: ${result.reason}`);
  }
}
console.log(`${total - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
