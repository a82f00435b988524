/**
 * basic-ftp, unmodified: a login (and a wrong password), PWD, LIST, a download of a file
 * the test put there, MKD, a 300 KiB binary upload (passive mode: a second TCP connection
 * per transfer) downloaded back byte for byte, SIZE, RNFR/RNTO, DELE, and QUIT; against
 * the test's vsftpd.
 */
import { Buffer } from 'buffer';
import { Client, FTPError } from 'basic-ftp';
import { Readable, Writable } from 'stream';
import { errorData, exposeCorpus } from './corpus-page.ts';
import { type FtpTarget, sameBytes, uploadBytes } from './ftp-target.ts';

/** Downloads `path` into memory. */
async function download(client: Client, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await client.downloadTo(sink, path);
  return Buffer.concat(chunks);
}

async function run(target: FtpTarget) {
  const login = { host: target.host, port: target.port, user: target.user, password: target.password };
  const refused = new Client(10_000);
  const wrongPassword = await refused.access({ ...login, password: 'not the password' }).then(
    () => ({ message: 'logged in' }),
    (error: unknown) => ({ ...errorData(error), isFtpError: error instanceof FTPError }),
  );
  refused.close();

  const client = new Client(10_000);
  const welcome = await client.access(login);
  const pwd = await client.pwd();
  const listed = (await client.list()).map((file) => ({ name: file.name, size: file.size, isFile: file.isFile }));
  const fromNode = (await download(client, target.fromNode.name)).toString('utf8');

  await client.ensureDir(target.dir); // MKD, then CWD into it
  const bytes = uploadBytes();
  await client.uploadFrom(Readable.from([Buffer.from(bytes)]), 'upload.bin');
  const size = await client.size('upload.bin');
  const back = await download(client, 'upload.bin');
  await client.rename('upload.bin', 'kept.bin');
  await client.uploadFrom(Readable.from([Buffer.from('short-lived')]), 'temp.txt');
  const beforeDelete = (await client.list()).map((file) => file.name).sort();
  await client.remove('temp.txt');
  const afterDelete = (await client.list()).map((file) => file.name).sort();
  const missing = await client.size('temp.txt').then(() => null, (error: unknown) => errorData(error));
  client.close();

  return {
    wrongPassword,
    welcome: { code: welcome.code, message: welcome.message },
    pwd,
    listed,
    fromNode,
    size,
    roundTrip: { length: back.length, same: sameBytes(back, bytes) },
    beforeDelete,
    afterDelete,
    missing,
    closed: client.closed,
  };
}

/** The scenario's result, for the test. */
export type BasicFtpResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
