/**
 * The `sockway-gateway` CLI: flags and environment → createGateway().listen().
 * stdout gets one line, `sockway gateway listening on ws://HOST:PORT/PATH`;
 * stderr gets one JSON object per log entry at --log-level and above. With --admin-port,
 * /healthz, /readyz and /metrics are served there (admin-endpoint.ts). SIGINT/SIGTERM close gracefully
 * (GOAWAY, open streams drain for --drain-timeout), a second signal exits at once.
 *
 * Exit codes: 0 after --help or a clean shutdown, 1 when the gateway could not
 * start (e.g. EADDRINUSE), 2 for a usage error.
 */
import { USAGE, gatewayOptionsOf, parseGatewayArgs } from './cli-options.ts';
import { type Gateway, type GatewayLogEntry, createGateway } from './gateway.ts';
import { type LogLevel, logsAt } from './gateway-log.ts';
import { formatLogLine } from './log-line.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(argv: readonly string[]): Promise<number | null> {
  let options: ReturnType<typeof parseGatewayArgs>;
  try {
    options = parseGatewayArgs(argv);
  } catch (error) {
    process.stderr.write(`sockway-gateway: ${(error as Error).message}\nRun sockway-gateway --help for usage.\n`);
    return EXIT_USAGE;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }

  // The schema checked --log-level against LOG_LEVELS.
  const threshold: LogLevel = options.quiet ? 'error' : options.logLevel as LogLevel;
  const log = (entry: GatewayLogEntry): void => {
    if (!logsAt(entry.level, threshold)) return;
    process.stderr.write(formatLogLine({ time: new Date().toISOString(), ...entry }));
  };

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
  // With an IPC parent, its exit is a shutdown request too.
  process.on('disconnect', () => stop('SIGTERM'));
  return null;
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
