/**
 * The FTP libraries of the corpus (basic-ftp, ftp), unmodified in Chromium, against one
 * vsftpd the test starts (a virtual user with a password; passive mode). The gateway
 * allows the control port and the passive port range, nothing else. Each page downloads a
 * file Node put there and leaves its upload in a directory of its own; the test reads the
 * directory on disk.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startVsftpd } from '../fixtures/servers/vsftpd.ts';
import type { BasicFtpResult } from './app/basic-ftp.ts';
import type { FtpResult } from './app/ftp.ts';
import { type FtpTarget, sameBytes, uploadBytes } from './app/ftp-target.ts';
import { useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => {
  const ftp = await startVsftpd();
  const { port, passive } = ftp;
  return { ftp, allow: [`127.0.0.1:${String(port)}`, `127.0.0.1:${String(passive.min)}-${String(passive.max)}`], close: () => ftp.close() };
});

/** Puts a file in the FTP root from Node and returns the page's target. */
function target(dir: string): FtpTarget {
  const { host, port, user, password, root } = suite.servers.ftp;
  const fromNode = { name: `from-node-for-${dir}.txt`, text: `héllo ${dir} ✓\n` };
  writeFileSync(join(root, fromNode.name), fromNode.text);
  return { host, port, user, password, fromNode, dir };
}

/** The FTP root's listing as Node sees it: name, size (LIST gives st_size, directories too), whether it is a file. */
function rootOnDisk(): { name: string; size: number; isFile: boolean }[] {
  const { root } = suite.servers.ftp;
  return readdirSync(root).sort().map((name) => {
    const stat = statSync(join(root, name));
    return { name, size: stat.size, isFile: stat.isFile() };
  });
}

/** What a page left in its directory, read on disk: kept.bin is the upload, byte for byte. */
function leftOnDisk(dir: string): unknown {
  const path = join(suite.servers.ftp.root, dir);
  const kept = readFileSync(join(path, 'kept.bin'));
  return { names: readdirSync(path).sort(), keptIsTheUpload: sameBytes(kept, uploadBytes()) };
}

test('basic-ftp: login (and a wrong password), PWD, LIST, download, MKD, 300 KiB binary upload and download back, SIZE, rename, delete, close; the upload is on disk', async () => {
  assert.equal(suite.library('basic-ftp').status, 'works');
  const page = await suite.page('basic-ftp');
  const t = target('basic-ftp');
  const listing = rootOnDisk();
  assert.deepEqual(await page.run<BasicFtpResult>(t), {
    wrongPassword: { name: 'FTPError', code: '530', message: '530 Login incorrect.', isFtpError: true },
    welcome: { code: 220, message: '220 sockway test FTP' }, // access() resolves with the server's greeting
    pwd: '/',
    listed: listing,
    fromNode: t.fromNode.text,
    size: 300 * 1024,
    roundTrip: { length: 300 * 1024, same: true },
    beforeDelete: ['kept.bin', 'temp.txt'],
    afterDelete: ['kept.bin'],
    missing: { name: 'FTPError', code: '550', message: '550 Could not get file size.' },
    closed: true,
  });
  assert.deepEqual(leftOnDisk('basic-ftp'), { names: ['kept.bin'], keptIsTheUpload: true });
  assert.deepEqual(await page.problems(), []);
});

test('ftp: login (and a wrong password), PWD, LIST, download, MKD/CWD, 300 KiB binary upload and download back, SIZE, rename, delete, end; the upload is on disk', async () => {
  assert.equal(suite.library('ftp').status, 'works');
  const page = await suite.page('ftp');
  const t = target('ftp');
  const listing = rootOnDisk();
  assert.deepEqual(await page.run<FtpResult>(t), {
    wrongPassword: { name: 'Error', code: '530', message: 'Login incorrect.' },
    pwd: '/',
    listed: listing.map(({ name, size, isFile }) => ({ name, size, type: isFile ? '-' : 'd' })),
    fromNode: t.fromNode.text,
    size: 300 * 1024,
    roundTrip: { length: 300 * 1024, same: true },
    beforeDelete: ['kept.bin', 'temp.txt'],
    afterDelete: ['kept.bin'],
    missing: { name: 'Error', code: '550', message: 'Could not get file size.' },
  });
  assert.deepEqual(leftOnDisk('ftp'), { names: ['kept.bin'], keptIsTheUpload: true });
  assert.deepEqual(await page.problems(), []);
});
