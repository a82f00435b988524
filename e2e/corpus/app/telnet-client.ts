/**
 * telnet-client, unmodified: option negotiation with a real telnetd, a failed login, then
 * a login, commands whose output it reads up to the shell prompt (several lines, the
 * shell's user, arithmetic), and end(), against the test's inetutils telnetd.
 */
import { Telnet } from 'telnet-client';
import { errorData, exposeCorpus } from './corpus-page.ts';

/** The test's telnet server: its login and the shell's prompt. */
export interface TelnetClientTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly prompt: string;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function run(target: TelnetClientTarget) {
  const options = (password: string) => ({
    host: target.host,
    port: target.port,
    username: target.user,
    password,
    loginPrompt: /login: $/,
    passwordPrompt: /Password: $/,
    failedLoginMatch: /Login incorrect/,
    shellPrompt: new RegExp(`${escape(target.prompt)}$`),
    timeout: 10_000,
    execTimeout: 10_000,
  });
  const wrong = new Telnet();
  const wrongPassword = await wrong.connect(options('not the password')).then(
    () => 'logged in',
    (error: unknown) => errorData(error).message,
  );
  await wrong.destroy();

  const telnet = new Telnet();
  const events: string[] = [];
  for (const event of ['ready', 'end', 'close']) telnet.on(event, () => events.push(event));
  await telnet.connect(options(target.password));
  const whoami = await telnet.exec('id -un');
  // ASCII only: telnetd does not negotiate BINARY, and the NVT is 7-bit (a UTF-8 command hangs, in Node too).
  const lines = await telnet.exec("printf 'one\\ntwo\\n'");
  const arithmetic = await telnet.exec('echo $((6 * 7))');
  const ended = new Promise<void>((resolve) => telnet.once('close', () => resolve()));
  await telnet.end();
  await ended;
  return { wrongPassword, whoami, lines, arithmetic, events };
}

/** The scenario's result, for the test. */
export type TelnetClientResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
