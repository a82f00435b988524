// An app as a user writes it: the unmodified `ssh2` package, bundled by Vite with
// sockway({ gateway, crypto: 'full' }). The e2e test (../ssh2.e2e.ts) drives it through
// `globalThis.ssh2App`.
import { Client, type ConnectConfig } from 'ssh2';

/** What the test passes in: ssh2's connect options plus the host key to expect. */
export interface AppConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly privateKey?: string;
  /** For an encrypted privateKey. */
  readonly passphrase?: string;
  readonly password?: string;
  /** The host key blob the server must present (base64, as in a known_hosts line). */
  readonly expectedHostKey: string;
  readonly algorithms?: ConnectConfig['algorithms'];
}

/** The algorithms ssh2 negotiated (its 'handshake' event). */
export interface Negotiated {
  readonly kex: string;
  readonly serverHostKey: string;
  readonly cipher: string;
  readonly mac: string;
  readonly compress: string;
}

/** The result of running one command. */
export interface ExecResult {
  readonly negotiated: Negotiated;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** The result of an interactive shell session. */
export interface ShellResult {
  readonly negotiated: Negotiated;
  readonly output: string;
  readonly code: number | null;
}

/** Connects and resolves once authenticated, with the negotiated algorithms. */
function connect(options: AppConnectOptions): Promise<{ client: Client; negotiated: Negotiated }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let negotiated: Negotiated | undefined;
    client
      .on('handshake', (info) => {
        negotiated = { kex: info.kex, serverHostKey: info.serverHostKey, cipher: info.cs.cipher, mac: info.cs.mac, compress: info.cs.compress };
      })
      .on('ready', () => {
        if (negotiated === undefined) reject(new Error('ready without a handshake event'));
        else resolve({ client, negotiated });
      })
      .on('error', reject)
      .connect({
        host: options.host,
        port: options.port,
        username: options.username,
        ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
        ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(options.algorithms === undefined ? {} : { algorithms: options.algorithms }),
        // Only the expected host key is accepted (known_hosts, in effect).
        hostVerifier: (key: Buffer) => key.toString('base64') === options.expectedHostKey,
        readyTimeout: 20_000,
      });
  });
}

/** Runs `command`; collects stdout, stderr and the exit code. */
async function exec(options: AppConnectOptions, command: string): Promise<ExecResult> {
  const { client, negotiated } = await connect(options);
  try {
    return await new Promise<ExecResult>((resolve, reject) => {
      client.exec(command, (error, stream) => {
        if (error) {
          reject(error);
          return;
        }
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        stream.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        stream.on('exit', (exitCode: number | null) => (code = exitCode));
        stream.on('close', () => resolve({ negotiated, stdout, stderr, code }));
      });
    });
  } finally {
    client.end();
  }
}

/** Opens a shell on a pty, types `lines` one by one, and collects everything until it exits. */
async function shell(options: AppConnectOptions, lines: readonly string[]): Promise<ShellResult> {
  const { client, negotiated } = await connect(options);
  try {
    return await new Promise<ShellResult>((resolve, reject) => {
      client.shell({ term: 'xterm', rows: 24, cols: 80 }, (error, stream) => {
        if (error) {
          reject(error);
          return;
        }
        let output = '';
        let code: number | null = null;
        stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        stream.on('exit', (exitCode: number | null) => (code = exitCode));
        stream.on('close', () => resolve({ negotiated, output, code }));
        for (const line of lines) stream.write(`${line}\n`);
      });
    });
  } finally {
    client.end();
  }
}

/** Sends `size` random bytes through `cat` and back; resolves with whether they came back intact. */
async function roundTrip(options: AppConnectOptions, size: number): Promise<{ negotiated: Negotiated; sent: number; received: number; same: boolean }> {
  const { client, negotiated } = await connect(options);
  const sent = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) crypto.getRandomValues(sent.subarray(offset, Math.min(size, offset + 65_536)));
  try {
    return await new Promise((resolve, reject) => {
      client.exec('cat', (error, stream) => {
        if (error) {
          reject(error);
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('close', () => {
          const received = Buffer.concat(chunks);
          resolve({ negotiated, sent: size, received: received.length, same: received.equals(Buffer.from(sent)) });
        });
        stream.end(Buffer.from(sent));
      });
    });
  } finally {
    client.end();
  }
}

const app = { exec, shell, roundTrip };
/** The surface the e2e test calls. */
export type Ssh2App = typeof app;
(globalThis as unknown as { ssh2App: Ssh2App }).ssh2App = app;
document.getElementById('status')!.textContent = 'ready';
