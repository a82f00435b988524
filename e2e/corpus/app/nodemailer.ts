/**
 * nodemailer (its SMTP transport), unmodified: verify(), then a mail with text, HTML, a
 * UTF-8 subject and a binary attachment, a second mail with two recipients on the same
 * pooled connection, and close(), against the test's OpenSMTPD. The test reads the
 * delivered messages from the server's Maildir.
 */
import { Buffer } from 'buffer';
import nodemailer from 'nodemailer';
import { errorData, exposeCorpus } from './corpus-page.ts';

/** The test's SMTP server, and the subject of the mail it looks for on disk. */
export interface NodemailerTarget {
  readonly host: string;
  readonly port: number;
  readonly subject: string;
}

async function run(target: NodemailerTarget) {
  // ignoreTLS: the test's OpenSMTPD has no STARTTLS (see its fixture); pool: one connection for both mails.
  const transport = nodemailer.createTransport({ host: target.host, port: target.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1, name: 'page.sockway.test' });
  const verified = await transport.verify().then(
    (ok) => ok,
    (error: unknown) => errorData(error).message,
  );
  const attachment = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const first = await transport.sendMail({
    from: 'Page <page@sockway.test>',
    to: 'Alice <alice@sockway.test>',
    subject: target.subject,
    text: 'héllo from the page ✓',
    html: '<p>héllo from the <b>page</b> ✓</p>',
    attachments: [{ filename: 'bytes.bin', content: attachment, contentType: 'application/octet-stream' }],
  });
  const second = await transport.sendMail({ from: 'page@sockway.test', to: ['bob@sockway.test', 'carol@sockway.test'], subject: 'second', text: 'two recipients' });
  transport.close();
  return {
    verified,
    first: { accepted: first.accepted, rejected: first.rejected, code: first.response.slice(0, 3), messageId: /^<.+@sockway\.test>$/.test(first.messageId) },
    second: { accepted: second.accepted, code: second.response.slice(0, 3) },
  };
}

/** The scenario's result, for the test. */
export type NodemailerResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
