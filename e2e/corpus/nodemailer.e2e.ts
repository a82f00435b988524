/**
 * nodemailer, unmodified in Chromium, against an OpenSMTPD the test starts (delivering
 * into a Maildir). The delivered messages are read from the Maildir on disk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { until } from '../../gateway/testing/harness.ts';
import { startSmtpd } from '../fixtures/servers/opensmtpd.ts';
import type { NodemailerResult, NodemailerTarget } from './app/nodemailer.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('smtpd', await startSmtpd()));

test('nodemailer: verify, a mail with an attachment, a second mail to two recipients on the pooled connection, close; the mails are in the Maildir', async () => {
  assert.equal(suite.library('nodemailer').status, 'works');
  const { smtpd } = suite.servers;
  const page = await suite.page('nodemailer');
  const target: NodemailerTarget = { host: '127.0.0.1', port: smtpd.port, subject: 'corpus: sent by nodemailer ✓' };
  assert.deepEqual(await page.run<NodemailerResult>(target), {
    verified: true,
    first: { accepted: ['alice@sockway.test'], rejected: [], code: '250', messageId: true },
    second: { accepted: ['bob@sockway.test', 'carol@sockway.test'], code: '250' },
  });
  // smtpd delivers after it accepted: one file per recipient.
  await until(() => smtpd.delivered().length === 3, 'three deliveries in the Maildir', 15_000);
  const first = smtpd.delivered().find((message) => message.includes('To: Alice <alice@sockway.test>'));
  assert.ok(first !== undefined, 'the first mail is in the Maildir');
  // The UTF-8 subject, encoded as MIME words, and the attachment, base64.
  assert.match(first, /^Subject: =\?UTF-8\?Q\?corpus=3A_sent_by_nodemailer_=E2=9C=93\?=\r?$/m);
  assert.match(first, /^Received: from page\.sockway\.test \(localhost \[127\.0\.0\.1\]\)\r?$/m, "the EHLO name the page gave");
  assert.match(first, /Content-Disposition: attachment; filename=bytes\.bin/);
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('base64');
  const attachment = first.split(/filename=bytes\.bin\r?\n\r?\n/)[1]?.split(/\r?\n--/)[0]?.replace(/\s+/g, '');
  assert.equal(attachment, bytes);
  assert.deepEqual(await page.problems(), []);
});
