/**
 * imapflow, unmodified: LOGIN, CREATE, LIST, APPEND, SELECT (a mailbox lock), SEARCH,
 * FETCH of the envelope, flags and body, STORE flags, STATUS and LOGOUT, then a wrong password,
 * against the test's Dovecot. The appended message stays in the INBOX for the test to
 * find in the Maildir.
 */
import { ImapFlow } from 'imapflow';
import { errorData, exposeCorpus } from './corpus-page.ts';

/** The test's Dovecot, and the message the page appends (the test finds it on disk). */
export interface ImapflowTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly subject: string;
}

const client = (target: ImapflowTarget, pass: string) =>
  // secure: false and no STARTTLS: the test's Dovecot has no TLS (see docs/real-clients.md: TLS is the gateway's).
  new ImapFlow({ host: target.host, port: target.port, secure: false, doSTARTTLS: false, auth: { user: target.user, pass }, logger: false });

async function run(target: ImapflowTarget) {
  const imap = client(target, target.password);
  const errors: string[] = [];
  imap.on('error', (error: Error) => errors.push(error.message));
  await imap.connect();
  const created = await imap.mailboxCreate('Corpus');
  const mailboxes = (await imap.list()).map((mailbox) => mailbox.path).sort();
  const raw = [
    'From: Page <page@sockway.test>',
    'To: Alice <alice@sockway.test>',
    `Subject: ${target.subject}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'héllo from the page ✓',
    '',
  ].join('\r\n');
  const appended = await imap.append('INBOX', raw, ['\\Draft']);
  const lock = await imap.getMailboxLock('INBOX');
  let fetched;
  try {
    const found = await imap.search({ subject: target.subject }, { uid: true });
    const uid = Array.isArray(found) ? found[0] : undefined;
    if (uid === undefined) throw new Error(`SEARCH found nothing: ${JSON.stringify(found)}`);
    await imap.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    const message = await imap.fetchOne(String(uid), { envelope: true, flags: true, source: true }, { uid: true });
    if (message === false) throw new Error('FETCH returned nothing');
    fetched = {
      uidMatches: appended !== false && appended.uid === uid,
      subject: message.envelope?.subject,
      from: message.envelope?.from?.map((address) => address.address),
      flags: [...(message.flags ?? [])].sort(),
      body: message.source?.toString('utf8').split('\r\n\r\n')[1],
    };
  } finally {
    lock.release();
  }
  const status = await imap.status('INBOX', { messages: true, unseen: true });
  await imap.logout();

  // Last: Dovecot holds back the next login from an address that just failed one (by seconds).
  const wrong = client(target, 'not the password');
  wrong.on('error', () => {});
  const wrongPassword = await wrong.connect().then(
    () => 'connected',
    (error: unknown) => {
      const { authenticationFailed, responseText } = error as { authenticationFailed?: boolean; responseText?: string };
      return { authenticationFailed, responseText, message: errorData(error).message };
    },
  );
  return { wrongPassword, created: created.created, mailboxes, appended: appended !== false, fetched, status: status === false ? false : { messages: status.messages, unseen: status.unseen }, usable: imap.usable, errors };
}

/** The scenario's result, for the test. */
export type ImapflowResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
