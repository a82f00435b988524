/**
 * ftp (mscdex's), unmodified: a login (and a wrong password), PWD, LIST, a download of a
 * file the test put there, MKD and CWD, a 300 KiB binary upload (passive mode) downloaded
 * back byte for byte, SIZE, RNFR/RNTO, DELE, and a clean end; against the test's vsftpd.
 */
import { Buffer } from 'buffer';
import Client from 'ftp';
import type { Readable } from 'stream';
import { errorData, exposeCorpus } from './corpus-page.ts';
import { type FtpTarget, sameBytes, uploadBytes } from './ftp-target.ts';

/** One callback-style call as a promise. */
function call<T>(start: (callback: (error: Error | undefined | null, result: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, result) => (error === undefined || error === null ? resolve(result) : reject(error))));
}

/** Connects; resolves on 'ready', rejects on the first 'error'. */
function connect(client: Client, options: Parameters<Client['connect']>[0]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
    client.connect(options);
  });
}

/** Downloads `path` into memory. */
async function download(client: Client, path: string): Promise<Buffer> {
  const stream = await call<Readable>((done) => client.get(path, done));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', reject);
    stream.once('close', () => resolve());
  });
  return Buffer.concat(chunks);
}

async function run(target: FtpTarget) {
  const login = { host: target.host, port: target.port, user: target.user, password: target.password, connTimeout: 10_000, pasvTimeout: 10_000 };
  const refused = new Client();
  const wrongPassword = await connect(refused, { ...login, password: 'not the password' }).then(
    () => ({ message: 'logged in' }),
    (error: unknown) => errorData(error),
  );
  refused.destroy();

  const client = new Client();
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await connect(client, login);
  const pwd = await call<string>((done) => client.pwd(done));
  const listed = (await call<{ name: string; size: number; type: string }[]>((done) => client.list(done))).map(({ name, size, type }) => ({ name, size, type }));
  const fromNode = (await download(client, target.fromNode.name)).toString('utf8');

  await call<undefined>((done) => client.mkdir(target.dir, (error) => done(error, undefined)));
  await call((done) => client.cwd(target.dir, done));
  const bytes = uploadBytes();
  await call<undefined>((done) => client.put(Buffer.from(bytes), 'upload.bin', (error) => done(error, undefined)));
  const size = await call<number>((done) => client.size('upload.bin', done));
  const back = await download(client, 'upload.bin');
  await call<undefined>((done) => client.rename('upload.bin', 'kept.bin', (error) => done(error, undefined)));
  await call<undefined>((done) => client.put(Buffer.from('short-lived'), 'temp.txt', (error) => done(error, undefined)));
  const names = async (): Promise<string[]> => (await call<{ name: string }[]>((done) => client.list(done))).map((entry) => entry.name).sort();
  const beforeDelete = await names();
  await call<undefined>((done) => client.delete('temp.txt', (error) => done(error, undefined)));
  const afterDelete = await names();
  const missing = await call<number>((done) => client.size('temp.txt', done)).then(() => null, (error: unknown) => errorData(error));
  client.end();
  await closed;

  return { wrongPassword, pwd, listed, fromNode, size, roundTrip: { length: back.length, same: sameBytes(back, bytes) }, beforeDelete, afterDelete, missing };
}

/** The scenario's result, for the test. */
export type FtpResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
