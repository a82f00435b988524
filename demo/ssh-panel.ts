/**
 * The demo's SSH tab: with a server (npm start -- --ssh HOST:PORT, or --with-servers) a
 * login form that opens demo/ssh-terminal.ts; without one, only the hint saying how.
 */
import type { SshTarget } from './page-config.ts';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing`);
  return found as T;
}

/** Wires the SSH form for `target`; the form stays hidden (and inert) when there is none. */
export function setUpSshPanel(target: SshTarget | undefined): void {
  const form = element<HTMLFormElement>('ssh-form');
  const status = element('ssh-status');
  const user = element<HTMLInputElement>('ssh-user');
  const password = element<HTMLInputElement>('ssh-password');
  const key = element<HTMLTextAreaElement>('ssh-key');
  let session: { close(): void } | null = null;
  form.addEventListener('submit', (event) => {
    // Always: the browser's own submit (the form has no action) would reload the page.
    event.preventDefault();
    if (target === undefined) return;
    session?.close();
    status.textContent = 'loading ssh2…';
    // ssh2 and xterm.js load on first use: the console stays a small page.
    import('./ssh-terminal.ts')
      .then(({ openSshTerminal }) => {
        const privateKey = key.value.trim();
        session = openSshTerminal(element('terminal'), {
          host: target.host,
          port: target.port,
          username: user.value,
          ...(password.value === '' ? {} : { password: password.value }),
          ...(privateKey === '' ? {} : { privateKey }),
        }, (text) => {
          // Newest last, a few lines: the host key, the handshake, the login, then what happened.
          status.textContent = [...(status.textContent ?? '').split('\n').filter((line) => line !== '' && !line.startsWith('loading')), text].slice(-4).join('\n');
        });
      })
      .catch((error: unknown) => (status.textContent = `could not load the SSH client: ${String(error)}`));
  });
  if (target === undefined) return;
  element('ssh-hint').hidden = true;
  form.hidden = false;
  element<HTMLInputElement>('ssh-target').value = `${target.host}:${target.port}`;
  const login = target.login;
  if (login === undefined) return;
  user.value = login.username;
  password.value = login.password ?? '';
  key.value = login.privateKey ?? '';
}
