/**
 * The `sockway-gateway` CLI: flags, environment and configuration file (--config) →
 * createGateway().listen(). stdout gets one line, `sockway gateway listening on
 * ws://HOST:PORT/PATH`; stderr gets one JSON object per log entry at --log-level and
 * above. With --admin-port, /healthz, /readyz and /metrics are served there
 * (admin-endpoint.ts). SIGINT/SIGTERM close gracefully (GOAWAY, open streams drain for
 * --drain-timeout), a second signal exits at once. SIGHUP reads the file and the
 * environment again (flags still win) and reloads what can change on a running gateway
 * (gateway.reload()); a bad file changes nothing.
 *
 * Exit codes: 0 after --help, --version or a clean shutdown, 1 when the gateway could not
 * start (e.g. EADDRINUSE), 2 for a usage error (a bad flag or configuration file).
 */
import { USAGE, type GatewayRunOptions, gatewayOptionsOf, parseGatewayArgs } from './cli-options.ts';
import { readConfigFile } from './config-file.ts';
import { type Gateway, type GatewayLogEntry, createGateway } from './gateway.ts';
import { type LogLevel, logsAt } from './gateway-log.ts';
import { formatLogLine } from './log-line.ts';
import { NEEDS_RESTART } from './reload-plan.ts';
import { VERSION } from './version.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** The command line with the environment and the configuration file; `warnings` gets the file's (an inline secret). */
function parse(argv: readonly string[], warnings: string[]): ReturnType<typeof parseGatewayArgs> {
  return parseGatewayArgs(argv, process.env, (path, env) => {
    const file = readConfigFile(path, env);
    warnings.push(...file.warnings);
    return file.values;
  });
}

async function main(argv: readonly string[]): Promise<number | null> {
  let parsed: ReturnType<typeof parseGatewayArgs>;
  const warnings: string[] = [];
  try {
    parsed = parse(argv, warnings);
  } catch (error) {
    process.stderr.write(`sockway-gateway: ${(error as Error).message}\nRun sockway-gateway --help for usage.\n`);
    return EXIT_USAGE;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  if (parsed.version) {
    process.stdout.write(`sockway-gateway ${VERSION}\n`);
    return EXIT_OK;
  }
  let options: GatewayRunOptions = parsed;

  const log = (entry: GatewayLogEntry): void => {
    // Read at every line: SIGHUP may change them. The schema checked --log-level against LOG_LEVELS.
    const threshold: LogLevel = options.quiet ? 'error' : options.logLevel as LogLevel;
    if (!logsAt(entry.level, threshold)) return;
    process.stderr.write(formatLogLine({ time: new Date().toISOString(), ...entry }));
  };
  for (const message of warnings) log({ level: 'warn', event: 'config-warning', message });

  let gateway: Gateway;
  try {
    // Options absent from the command line stay absent, so the gateway's defaults apply.
    gateway = createGateway({ ...gatewayOptionsOf(options), log });
    if (options.tokenSecret === undefined && options.host !== '127.0.0.1' && options.host !== '::1' && options.host !== 'localhost') {
      log({ level: 'warn', event: 'no-authentication', message: 'the gateway listens beyond loopback without --token-secret: any page that can reach it may use its --allow rules (see SECURITY.md)' });
    }
  } catch (error) {
    // The CLI checked every value against the schema; what is left is, e.g., an unusable --dns-server.
    process.stderr.write(`sockway-gateway: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }

  let port: number;
  let adminPort: number | undefined;
  let listening = `${options.host}:${options.port}`;
  let flag = '--port';
  try {
    const address = await gateway.listen({ port: options.port, host: options.host, metrics: options.metrics && options.adminPort === undefined });
    port = address.port;
    if (options.adminPort !== undefined) {
      listening = `${options.adminHost}:${options.adminPort}`;
      flag = '--admin-port';
      adminPort = (await gateway.listenAdmin({ port: options.adminPort, host: options.adminHost })).port;
    }
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    process.stdout.write(`sockway gateway listening on ws://${host}:${address.port}${options.path}\n`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`sockway-gateway: cannot listen on ${listening}: ${(error as Error).message}${code === 'EADDRINUSE' ? ` (the port is in use; pick another with ${flag})` : ''}\n`);
    await gateway.close();
    return EXIT_FAILURE;
  }
  // Started with an IPC channel (fork): tell the parent where we listen.
  process.send?.({ type: 'ready', port, ...(adminPort === undefined ? {} : { adminPort }) });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log({ level: 'warn', event: 'shutdown-forced', signal });
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    log({ level: 'info', event: 'shutdown', signal });
    gateway.close().then(
      () => process.exit(EXIT_OK),
      (error: unknown) => {
        log({ level: 'error', event: 'shutdown-failed', error: String(error) });
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => {
    if (stopping) return;
    const next = reload(argv, options, gateway, log);
    if (next !== undefined) options = next;
  });
  // With an IPC parent, its exit is a shutdown request too.
  process.on('disconnect', () => stop('SIGTERM'));
  return null;
}

/**
 * SIGHUP: the command line again, with the environment and the file as they are now.
 * Returns the options in force after it, undefined when nothing changed (a bad file,
 * logged `config-reload-failed` with the file, line and key).
 */
function reload(argv: readonly string[], running: GatewayRunOptions, gateway: Gateway, log: (entry: GatewayLogEntry) => void): GatewayRunOptions | undefined {
  const warnings: string[] = [];
  let next: ReturnType<typeof parseGatewayArgs>;
  try {
    next = parse(argv, warnings);
    if (next.help || next.version) return undefined; // the same argv: cannot happen
    gateway.reload(gatewayOptionsOf(next));
  } catch (error) {
    log({ level: 'error', event: 'config-reload-failed', error: (error as Error).message });
    return undefined;
  }
  for (const message of warnings) log({ level: 'warn', event: 'config-warning', message });
  // The listening socket stays where it is.
  const refused = (['port', 'host'] as const).filter((key) => next[key] !== running[key]).map((option) => ({ option, reason: NEEDS_RESTART }));
  if (refused.length > 0) log({ level: 'warn', event: 'config-reload-refused', refused });
  return { ...next, port: running.port, host: running.host };
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sockway-gateway: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
