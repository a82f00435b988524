/**
 * `npm start`: the demo on one port — a TCP console page, the gateway behind it and
 * a small line service to talk to (demo/server.ts). Prints the URL; Ctrl-C (SIGINT)
 * or SIGTERM stops everything and exits 0; a second signal exits at once.
 *
 * Options: --port N (or PORT; default 8080, 0 = any free port), --host H (or HOST;
 * default 127.0.0.1), --ssh HOST:PORT (or SOCKWAY_DEMO_SSH): an SSH server the page's
 * SSH terminal may reach, --allow HOST:PORT (repeatable, or SOCKWAY_DEMO_ALLOW comma-separated):
 * more destinations the gateway allows, in its rule syntax — e.g. a PostgreSQL server for
 * the page's SQL console: npm start -- --allow 127.0.0.1:5432. --with-servers: also start a
 * throwaway PostgreSQL and OpenSSH server on 127.0.0.1 (scripts/demo-servers.ts) for the SQL
 * and SSH tabs, allowed at the gateway and filled into their forms; stopped (files removed)
 * on exit.
 */
import { parseArgs } from 'node:util';
import { startDemo } from '../demo/server.ts';
import { parseRule } from '../gateway/index.ts';
import { type DemoServers, startDemoServers } from './demo-servers.ts';

function sshTarget(raw: string | undefined): { ssh?: { host: string; port: number } } {
  if (raw === undefined || raw === '') return {};
  const match = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(raw);
  if (match === null || Number(match[2]) > 65535) throw new Error(`--ssh must be host:port, got ${JSON.stringify(raw)}`);
  return { ssh: { host: match[1] ?? '', port: Number(match[2]) } };
}

/** --allow rules, else SOCKWAY_DEMO_ALLOW's; each checked here so a typo is a usage error. */
function allowRules(flags: readonly string[] | undefined): string[] {
  const rules = flags !== undefined ? [...flags] : (process.env['SOCKWAY_DEMO_ALLOW'] ?? '').split(',').map((text) => text.trim()).filter((text) => text !== '');
  for (const rule of rules) {
    try {
      parseRule(rule);
    } catch (error) {
      throw new Error(`--allow: ${(error as Error).message}`);
    }
  }
  return rules;
}

function options(): { port: number; host: string; ssh?: { host: string; port: number }; allow: string[]; withServers: boolean } {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      ssh: { type: 'string' },
      allow: { type: 'string', multiple: true },
      'with-servers': { type: 'boolean', default: false },
    },
  });
  const rawPort = values.port ?? process.env['PORT'] ?? '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new Error(`--port must be 0-65535, got ${JSON.stringify(rawPort)}`);
  const ssh = sshTarget(values.ssh ?? process.env['SOCKWAY_DEMO_SSH']);
  const withServers = values['with-servers'] === true;
  if (withServers && ssh.ssh !== undefined) throw new Error('--with-servers starts its own SSH server: leave out --ssh (or SOCKWAY_DEMO_SSH)');
  return { port, host: values.host ?? process.env['HOST'] ?? '127.0.0.1', ...ssh, allow: allowRules(values.allow), withServers };
}

/** The banner's lines for what --with-servers started (logins included: they are this run's own). */
function serverLines(servers: DemoServers): string[] {
  const lines: string[] = [];
  const { sql, ssh } = servers;
  if (sql !== undefined) {
    lines.push(`  postgresql    ${sql.host}:${sql.port}  user ${sql.user}  password '${sql.password}'  database ${sql.database} (the SQL tab)`);
  }
  if (ssh !== undefined) {
    const how = ssh.login.password !== undefined ? `password '${ssh.login.password}'` : 'a key made for this server (filled into the form)';
    lines.push(`  ssh server    ${ssh.host}:${ssh.port}  user ${ssh.login.username}  ${how} (the SSH tab)`);
  }
  for (const dir of [sql?.dir, ssh?.dir]) if (dir !== undefined) lines.push(`  server files  ${dir} (removed on exit)`);
  return lines;
}

async function main(): Promise<void> {
  let settings: ReturnType<typeof options>;
  try {
    settings = options();
  } catch (error) {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const { withServers, ...demoSettings } = settings;

  // Everything started so far, stopped in reverse order (each once) on a signal or a failed start.
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (let next = stops.pop(); next !== undefined; next = stops.pop()) await next();
  };
  // What is starting now: a signal waits for it, so that nothing is left running.
  let starting: Promise<unknown> = Promise.resolve();
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`\n${signal}: stopping\n`);
    starting.catch(() => undefined).then(stopAll).then(
      () => {
        process.stdout.write('stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`npm start: stopping failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  // From the start: a Ctrl-C while the servers start still stops them (once started).
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let servers: DemoServers | undefined;
  if (withServers) {
    process.stdout.write('--with-servers: starting a throwaway PostgreSQL and OpenSSH server…\n');
    const serversStarting = startDemoServers();
    starting = serversStarting;
    servers = await serversStarting;
    stops.push(servers.close);
    for (const { name, error } of servers.failures) process.stderr.write(`npm start: --with-servers: no ${name}: ${error.message}\n`);
    if (stopping) return;
  }
  let demo: Awaited<ReturnType<typeof startDemo>>;
  try {
    const demoStarting = startDemo({
      ...demoSettings,
      ...(servers?.sql === undefined ? {} : { sql: servers.sql }),
      ...(servers?.ssh === undefined ? {} : { ssh: servers.ssh }),
      // Denials and gateway errors only: the page shows each socket's own story.
      log: (entry) => {
        if (entry.event === 'stream-denied') process.stderr.write(`gateway: denied ${String(entry['host'])}:${String(entry['port'])} (${String(entry['reason'])})\n`);
        else if (entry.level === 'error') process.stderr.write(`gateway: ${JSON.stringify(entry)}\n`);
      },
    });
    starting = demoStarting;
    demo = await demoStarting;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const hint = code === 'EADDRINUSE' ? ' (the port is in use: try npm start -- --port 0)' : '';
    process.stderr.write(`npm start: ${(error as Error).message}${hint}\n`);
    await stopAll();
    process.exitCode = 1;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    return;
  }
  stops.push(demo.close);
  if (stopping) return;
  const [service, refused] = demo.targets;
  process.stdout.write(
    [
      `sockway demo: ${demo.url}`,
      `  gateway       ${demo.gatewayUrl} (allows only the targets below)`,
      `  line service  ${service?.host}:${service?.port}`,
      `  closed port   ${refused?.host}:${refused?.port} (ECONNREFUSED)`,
      ...(servers === undefined ? [] : serverLines(servers)),
      ...(demo.ssh === undefined || servers?.ssh !== undefined ? [] : [`  ssh server    ${demo.ssh.host}:${demo.ssh.port} (the page's SSH terminal)`]),
      ...demo.allow.map((rule) => `  allowed       ${rule} (--allow)`),
      ...(withServers ? [] : ['Tip: npm start -- --with-servers also starts a throwaway PostgreSQL and OpenSSH server for the SQL and SSH tabs.']),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

await main();
