// node:test reporter that only counts leaf tests, so the runner can print one
// `N passed, N failed` line across every test file.
import { writeFileSync } from 'node:fs';

export default async function* countReporter(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:pass' && !event.data.skip && !event.data.todo) passed++;
    else failed++; // a skipped or todo test counts as a failure: it hides one
  }
  writeFileSync(process.env.SOCKWAY_COUNT_FILE, JSON.stringify({ passed, failed }));
  yield '';
}
