/**
 * telnet-client, unmodified in Chromium, against inetutils telnetd (served per
 * connection, as inetd does, by the fixture) with a login and a shell.
 */
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { test } from 'node:test';
import { startTelnetd } from '../fixtures/servers/telnetd.ts';
import type { TelnetClientResult, TelnetClientTarget } from './app/telnet-client.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('telnetd', await startTelnetd()));

test('telnet-client: negotiation, a failed login, login, commands and their output, end', async () => {
  assert.equal(suite.library('telnet-client').status, 'works');
  const { telnetd } = suite.servers;
  const page = await suite.page('telnet-client');
  const target: TelnetClientTarget = { host: '127.0.0.1', port: telnetd.port, user: telnetd.user, password: telnetd.password, prompt: telnetd.prompt };
  assert.deepEqual(await page.run<TelnetClientResult>(target), {
    wrongPassword: 'Failed login',
    // Each output ends with the newline before the prompt.
    whoami: `${process.getuid?.() === 0 ? 'nobody' : userInfo().username}\n`,
    lines: 'one\ntwo\n',
    arithmetic: '42\n',
    events: ['ready', 'end', 'close'],
  });
  assert.deepEqual(await page.problems(), []);
});
