/**
 * imapflow, unmodified in Chromium, against a Dovecot (one user, a Maildir) the test
 * starts. The message the page appends is read from the Maildir on disk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDovecot } from '../fixtures/servers/dovecot.ts';
import type { ImapflowResult, ImapflowTarget } from './app/imapflow.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('dovecot', await startDovecot()));

test('imapflow: LOGIN, CREATE, LIST, APPEND, SEARCH, STORE, FETCH, STATUS, LOGOUT, a wrong password; the message is in the Maildir', async () => {
  assert.equal(suite.library('imapflow').status, 'works');
  const { dovecot } = suite.servers;
  const page = await suite.page('imapflow');
  const target: ImapflowTarget = { host: '127.0.0.1', port: dovecot.port, user: dovecot.user, password: dovecot.password, subject: 'corpus: appended by imapflow ✓' };
  assert.deepEqual(await page.run<ImapflowResult>(target), {
    wrongPassword: { authenticationFailed: true, responseText: 'Authentication failed.', message: 'Command failed' },
    created: true,
    mailboxes: ['Corpus', 'INBOX'],
    appended: true,
    fetched: { uidMatches: true, subject: target.subject, from: ['page@sockway.test'], flags: ['\\Draft', '\\Recent', '\\Seen'], body: 'héllo from the page ✓\r\n' },
    status: { messages: 1, unseen: 0 },
    usable: false,
    errors: [],
  });
  const inbox = dovecot.inbox();
  assert.equal(inbox.length, 1);
  assert.match(inbox[0]!, /^Subject: corpus: appended by imapflow ✓\r?$/m);
  assert.match(inbox[0]!, /héllo from the page ✓/);
  assert.deepEqual(await page.problems(), []);
});
