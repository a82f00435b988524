/**
 * `npm start`: the demo on one port — a TCP console page, the gateway behind it and
 * a small line service to talk to (demo/server.ts). Prints the URL; Ctrl-C (SIGINT)
 * or SIGTERM stops everything and exits 0; a second signal exits at once.
 *
 * Options: --port N (or PORT; default 8080, 0 = any free port), --host H (or HOST;
 * default 127.0.0.1), --ssh HOST:PORT (or SOCKWAY_DEMO_SSH): an SSH server the page's
 * SSH terminal may reach, --allow HOST:PORT (repeatable, or SOCKWAY_DEMO_ALLOW comma-separated):
 * more destinations the gateway allows, in its rule syntax — e.g. a PostgreSQL server for
 * the page's SQL console: npm start -- --allow 127.0.0.1:5432.
 */
import { parseArgs } from 'node:util';
import { startDemo } from '../demo/server.ts';
import { parseRule } from '../gateway/index.ts';

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

function options(): { port: number; host: string; ssh?: { host: string; port: number }; allow: string[] } {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, host: { type: 'string' }, ssh: { type: 'string' }, allow: { type: 'string', multiple: true } },
  });
  const rawPort = values.port ?? process.env['PORT'] ?? '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new Error(`--port must be 0-65535, got ${JSON.stringify(rawPort)}`);
  return {
    port,
    host: values.host ?? process.env['HOST'] ?? '127.0.0.1',
    ...sshTarget(values.ssh ?? process.env['SOCKWAY_DEMO_SSH']),
    allow: allowRules(values.allow),
  };
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
  let demo: Awaited<ReturnType<typeof startDemo>>;
  try {
    demo = await startDemo({
      ...settings,
      // Denials and gateway errors only: the page shows each socket's own story.
      log: (entry) => {
        if (entry.event === 'stream-denied') process.stderr.write(`gateway: denied ${String(entry['host'])}:${String(entry['port'])} (${String(entry['reason'])})\n`);
        else if (entry.level === 'error') process.stderr.write(`gateway: ${JSON.stringify(entry)}\n`);
      },
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const hint = code === 'EADDRINUSE' ? ' (the port is in use: try npm start -- --port 0)' : '';
    process.stderr.write(`npm start: ${(error as Error).message}${hint}\n`);
    process.exitCode = 1;
    return;
  }
  const [service, refused] = demo.targets;
  process.stdout.write(
    [
      `sockway demo: ${demo.url}`,
      `  gateway       ${demo.gatewayUrl} (allows only the targets below)`,
      `  line service  ${service?.host}:${service?.port}`,
      `  closed port   ${refused?.host}:${refused?.port} (ECONNREFUSED)`,
      ...(demo.ssh === undefined ? [] : [`  ssh server    ${demo.ssh.host}:${demo.ssh.port} (the page's SSH terminal)`]),
      ...demo.allow.map((rule) => `  allowed       ${rule} (--allow)`),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`\n${signal}: stopping\n`);
    demo.close().then(
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
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
