/**
 * `npm start -- --with-servers`: a throwaway PostgreSQL and OpenSSH server on 127.0.0.1 for
 * the demo's SQL and SSH tabs, started the way the e2e tests start theirs
 * (e2e/fixtures/servers/): fresh data in a temporary directory, a free port, logins made
 * up for this run. close() stops them and removes their files (and the SSH password user
 * made when running as root). A server that cannot start is reported, not fatal.
 */
import type { SqlServer, SshLogin } from '../demo/page-config.ts';
import { startPostgres } from '../e2e/fixtures/servers/postgres.ts';
import { startSshd } from '../e2e/fixtures/servers/sshd.ts';

/** A started server: where, its login, and its temporary directory. */
export interface StartedSql extends SqlServer {
  readonly dir: string;
}

/** The SSH server: where, the login to prefill, and its temporary directory. */
export interface StartedSsh {
  readonly host: string;
  readonly port: number;
  readonly login: SshLogin;
  readonly dir: string;
}

/** The servers that started, and why the others did not. */
export interface DemoServers {
  readonly sql: StartedSql | undefined;
  readonly ssh: StartedSsh | undefined;
  /** One entry per server that did not start: its name and the error. */
  readonly failures: readonly { readonly name: string; readonly error: Error }[];
  /** Stops every started server and removes its files. */
  close(): Promise<void>;
}

/** Starts both servers side by side. */
export async function startDemoServers(): Promise<DemoServers> {
  // As root the fixture makes a local user with a password (removed on close); otherwise
  // the login is the current user's, by a key that only this sshd's authorized_keys lists.
  const root = process.getuid?.() === 0;
  const [postgres, sshd] = await Promise.allSettled([startPostgres(), startSshd({ password: root })]);
  const failures: { name: string; error: Error }[] = [];
  const closers: (() => Promise<void>)[] = [];
  let sql: StartedSql | undefined;
  let ssh: StartedSsh | undefined;
  if (postgres.status === 'fulfilled') {
    const server = postgres.value;
    closers.push(() => server.close());
    sql = { host: server.host, port: server.port, user: server.scram.user, password: server.scram.password, database: server.database, dir: server.dir };
  } else {
    failures.push({ name: 'PostgreSQL', error: postgres.reason as Error });
  }
  if (sshd.status === 'fulfilled') {
    const server = sshd.value;
    closers.push(() => server.close());
    const login: SshLogin = server.passwordUser ?? { username: server.username, privateKey: server.userKeys.ed25519.privateKey };
    ssh = { host: server.host, port: server.port, login, dir: server.dir };
  } else {
    failures.push({ name: 'OpenSSH server', error: sshd.reason as Error });
  }
  return {
    sql,
    ssh,
    failures,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
