/** The demo's host key fingerprints against OpenSSH's own (`ssh-keygen -lf`), for each key type. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, removeTempDir } from '../e2e/fixtures/servers/daemon.ts';
import { requireProgram } from '../e2e/fixtures/system-package.ts';
import { keyType, openSshFingerprint } from './host-key.ts';

const dir = makeTempDir('sockway-host-key-');
after(() => removeTempDir(dir));

test('openSshFingerprint() and keyType() print what ssh-keygen -lf prints (ed25519, ecdsa P-256, rsa)', () => {
  const keygen = requireProgram({ name: 'ssh-keygen', debianPackage: 'openssh-client', candidates: ['/usr/bin/ssh-keygen'] });
  for (const [type, expectedType] of [['ed25519', 'ssh-ed25519'], ['ecdsa', 'ecdsa-sha2-nistp256'], ['rsa', 'ssh-rsa']] as const) {
    const file = join(dir, type);
    execFileSync(keygen, ['-q', '-t', type, '-N', '', '-f', file]);
    // "256 SHA256:2tYt…6Sk comment (ED25519)"
    const printed = /^\d+ (SHA256:[A-Za-z0-9+/]+) /.exec(execFileSync(keygen, ['-lf', `${file}.pub`], { encoding: 'utf8' }))?.[1];
    assert.ok(printed !== undefined, 'ssh-keygen printed a SHA256 fingerprint');
    const blob = Buffer.from(readFileSync(`${file}.pub`, 'utf8').split(' ')[1] ?? '', 'base64');
    assert.equal(openSshFingerprint(blob), printed, type);
    assert.equal(keyType(blob), expectedType);
  }
  assert.equal(keyType(new Uint8Array([0, 0, 0, 9, 0x61])), '', 'a truncated blob has no type');
});
