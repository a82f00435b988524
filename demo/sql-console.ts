/**
 * The demo's SQL console: the unmodified `pg` client (node-postgres) over sockway's net.
 * A connection form, a query box and the results as tables. `pg` loads on the first
 * Connect, so the rest of the page does not download a database driver it may not use.
 */
import type pg from 'pg';
import type { SqlServer } from './page-config.ts';

/** A server the gateway allows, to offer in the form. */
export interface AllowedServer {
  readonly host: string;
  readonly port: number;
}

/** Rows rendered per result; the rest are counted, not drawn. */
const MAX_ROWS = 500;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing`);
  return found as T;
}

function create<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One statement's result: its command tag, row count and, when it returns rows, a table. */
function resultBlock(result: pg.QueryArrayResult<(string | null)[]>): HTMLElement {
  const block = create('div', 'sql-result');
  const count = result.rowCount ?? result.rows.length;
  const rowsNote = result.fields.length > 0 || result.rowCount !== null ? ` · ${count} ${count === 1 ? 'row' : 'rows'}` : '';
  block.append(create('p', 'sql-meta', `${result.command ?? 'OK'}${rowsNote}`));
  if (result.fields.length === 0) return block;
  const table = create('table', '');
  const head = table.createTHead().insertRow();
  for (const field of result.fields) head.append(create('th', '', field.name));
  const body = table.createTBody();
  for (const row of result.rows.slice(0, MAX_ROWS)) {
    const tr = body.insertRow();
    for (const value of row) {
      // NULL is not the string 'NULL': psql leaves it blank, we label it and style it apart.
      tr.append(value === null ? create('td', 'null', 'NULL') : create('td', '', value));
    }
  }
  const wrapper = create('div', 'sql-table');
  wrapper.append(table);
  block.append(wrapper);
  if (result.rows.length > MAX_ROWS) block.append(create('p', 'sql-meta', `first ${MAX_ROWS} of ${result.rows.length} rows shown`));
  return block;
}

/**
 * An error as pg gives it. A server error (pg's DatabaseError) has a severity and a SQLSTATE
 * code, and maybe detail, hint and position; any other error (the socket's, e.g.
 * SOCKWAY_ERR_DENIED or ECONNREFUSED) has a Node-style code.
 */
function errorBlock(error: unknown): HTMLElement {
  const block = create('div', 'sql-error');
  block.setAttribute('role', 'alert');
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Partial<Record<'severity' | 'code' | 'detail' | 'hint' | 'position', unknown>>;
  const message = error instanceof Error ? error.message : String(error);
  const severity = typeof fields.severity === 'string' ? fields.severity : undefined;
  block.append(create('p', 'sql-error-message', `${severity ?? (error instanceof Error ? error.name : 'Error')}: ${message}`));
  if (typeof fields.code === 'string') block.append(create('p', 'sql-error-code', `${severity === undefined ? 'code' : 'SQLSTATE'} ${fields.code}`));
  for (const key of ['detail', 'hint', 'position'] as const) {
    const value = fields[key];
    if (typeof value === 'string' && value !== '') block.append(create('p', 'sql-error-extra', `${key}: ${value}`));
  }
  return block;
}

/**
 * Wires the SQL panel's forms. `login` (a throwaway server's, npm start -- --with-servers)
 * fills the whole form; otherwise the first of `servers` (the gateway allows them) fills host and port.
 */
export function setUpSqlConsole(servers: readonly AllowedServer[], login: SqlServer | undefined): void {
  const connectForm = element<HTMLFormElement>('sql-connect');
  const host = element<HTMLInputElement>('sql-host');
  const port = element<HTMLInputElement>('sql-port');
  const user = element<HTMLInputElement>('sql-user');
  const password = element<HTMLInputElement>('sql-password');
  const database = element<HTMLInputElement>('sql-database');
  const tls = element<HTMLInputElement>('sql-tls');
  const connectButton = element<HTMLButtonElement>('sql-connect-button');
  const disconnectButton = element<HTMLButtonElement>('sql-disconnect');
  const status = element('sql-status');
  const queryForm = element<HTMLFormElement>('sql-query-form');
  const query = element<HTMLTextAreaElement>('sql-query');
  const runButton = element<HTMLButtonElement>('sql-run');
  const results = element('sql-results');

  const first = login ?? servers[0];
  if (first !== undefined) {
    host.value = first.host;
    port.value = String(first.port);
  }
  if (login !== undefined) {
    user.value = login.user;
    password.value = login.password;
    database.value = login.database;
  }
  element('sql-allowed').textContent =
    servers.length === 0
      ? 'For a throwaway local PostgreSQL, start the demo with npm start -- --with-servers; to reach yours, with npm start -- --allow HOST:PORT (e.g. 127.0.0.1:5432). The gateway denies any server it was not told to allow.'
      : `The gateway allows ${servers.map((server) => `${server.host}:${server.port}`).join(', ')}; any other server is denied.`;

  let client: pg.Client | null = null;
  let busy = false;

  function render(): void {
    connectButton.disabled = client !== null || busy;
    disconnectButton.disabled = client === null;
    runButton.disabled = client === null || busy;
    for (const input of [host, port, user, password, database, tls]) input.disabled = client !== null || busy;
  }

  function show(...blocks: HTMLElement[]): void {
    results.replaceChildren(...blocks);
  }

  connectForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (client !== null || busy) return;
    const target = `${host.value}:${port.value}`;
    busy = true;
    status.textContent = `connecting to ${target}…`;
    render();
    (async () => {
      const { default: pgModule } = await import('pg');
      const current = new pgModule.Client({
        host: host.value.trim(),
        port: Number(port.value),
        user: user.value,
        password: password.value,
        // pg's default is the user name, as libpq's.
        ...(database.value.trim() === '' ? {} : { database: database.value.trim() }),
        ssl: tls.checked,
        // Every value as PostgreSQL sends it (text), as psql shows it: no Date or JSON re-rendering.
        types: { getTypeParser: () => (value: string) => value },
      });
      try {
        await current.connect();
      } catch (error) {
        void current.end().catch(() => undefined);
        throw error;
      }
      // Without a listener, a connection lost between queries would be an uncaught error.
      current.on('error', (error) => show(errorBlock(error)));
      current.on('end', () => {
        if (client !== current) return;
        client = null;
        status.textContent = `disconnected from ${target}`;
        render();
      });
      const version = await current.query<{ server_version: string }>('SHOW server_version');
      client = current;
      status.textContent = `connected to ${target} as ${current.user ?? ''}, database ${current.database ?? ''} (PostgreSQL ${version.rows[0]?.server_version ?? '?'}${tls.checked ? ', TLS' : ''})`;
      query.focus();
    })()
      .catch((error: unknown) => {
        status.textContent = `could not connect to ${target}`;
        show(errorBlock(error));
      })
      .finally(() => {
        busy = false;
        render();
      });
  });

  disconnectButton.addEventListener('click', () => {
    const current = client;
    client = null;
    status.textContent = 'disconnected';
    render();
    void current?.end().catch(() => undefined);
  });

  function run(): void {
    const current = client;
    const text = query.value;
    if (current === null || busy || text.trim() === '') return;
    busy = true;
    render();
    const started = performance.now();
    const elapsed = (): HTMLElement => create('p', 'sql-elapsed', `${Math.round(performance.now() - started)} ms`);
    // No parameters: pg uses the simple query protocol, so a script of several statements
    // runs in one go and pg resolves with one result per statement.
    current
      .query<(string | null)[]>({ text, rowMode: 'array' })
      .then((outcome: unknown) => {
        const each = (Array.isArray(outcome) ? outcome : [outcome]) as pg.QueryArrayResult<(string | null)[]>[];
        show(...each.map(resultBlock), elapsed());
      })
      .catch((error: unknown) => show(errorBlock(error), elapsed()))
      .finally(() => {
        busy = false;
        render();
      });
  }

  queryForm.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  query.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  render();
}
