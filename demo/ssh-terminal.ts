/**
 * The demo's SSH terminal: the unmodified `ssh2` client (over sockway's net, with
 * sockway/crypto) feeding an xterm.js terminal. Loaded on demand, so the TCP console
 * does not download an SSH stack it may never use.
 */
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { Client } from 'ssh2';
import { keyType, openSshFingerprint } from './host-key.ts';

/** Where and how to log in. */
export interface SshLogin {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password?: string;
  readonly privateKey?: string;
}

/** An open session; close() ends it. */
export interface SshSession {
  close(): void;
}

/** Opens a shell on `login` in a new terminal inside `container`; `onStatus` narrates. */
export function openSshTerminal(container: HTMLElement, login: SshLogin, onStatus: (text: string) => void): SshSession {
  const terminal = new Terminal({ rows: 24, cols: 80, convertEol: false, fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace' });
  container.replaceChildren();
  terminal.open(container);
  const client = new Client();
  client
    .on('handshake', (info) => onStatus(`handshake: ${info.kex}, ${info.serverHostKey}, ${info.cs.cipher}`))
    .on('ready', () => {
      onStatus(`logged in as ${login.username}`);
      client.shell({ term: 'xterm-256color', rows: terminal.rows, cols: terminal.cols }, (error, stream) => {
        if (error) {
          onStatus(`shell failed: ${error.message}`);
          return;
        }
        stream.on('data', (data: Uint8Array) => terminal.write(data));
        stream.stderr.on('data', (data: Uint8Array) => terminal.write(data));
        terminal.onData((keys) => stream.write(keys));
        terminal.onResize(({ rows, cols }) => stream.setWindow(rows, cols, 0, 0));
        stream.on('close', () => {
          onStatus('shell closed');
          client.end();
        });
        terminal.focus();
      });
    })
    .on('error', (error) => onStatus(`error: ${error.message}`))
    .on('close', () => onStatus('disconnected'))
    .connect({
      host: login.host,
      port: login.port,
      username: login.username,
      ...(login.password ? { password: login.password } : {}),
      ...(login.privateKey ? { privateKey: login.privateKey } : {}),
      readyTimeout: 20_000,
      // Trust on first use, shown as OpenSSH shows it (to compare with ssh-keygen -lf on the
      // server): a real app would pin known hosts. Without hostHash, ssh2 hands over the key blob.
      hostVerifier: (key: Uint8Array) => {
        onStatus(`host key ${keyType(key)} ${openSshFingerprint(key)}`);
        return true;
      },
    });
  return {
    close: () => {
      client.end();
      terminal.dispose();
    },
  };
}
