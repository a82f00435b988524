import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLogLine } from './log-line.ts';

test('a log line escapes every control character and line separator a page could send (issue 12 finding 9)', () => {
  const host = 'a\nb\r\u0000\u001b[31m\u007f\u0085\u009b2J\u2028\u2029z';
  const line = formatLogLine({ event: 'stream-denied', host });
  assert.equal(line.indexOf('\n'), line.length - 1, 'one line');
  assert.doesNotMatch(line.slice(0, -1), /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  assert.equal(JSON.parse(line).host, host, 'the text itself is kept');
});
