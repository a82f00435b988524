/**
 * pg, unmodified, in a page: each scenario is what an app would write, run by
 * e2e/clients/pg.e2e.ts through page.evaluate(). Results are plain data to assert on.
 */
import { Buffer } from 'buffer';
import { createHash, randomBytes } from 'crypto';
import pg from 'pg';

/** Where and as whom to connect (from the test's PostgreSQL fixture). */
export interface PgTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** With a CA: TLS (SSLRequest, then the upgrade) verified against it. */
  readonly ca?: string;
}

function clientConfig(target: PgTarget): pg.ClientConfig {
  const { ca, ...rest } = target;
  return ca === undefined ? rest : { ...rest, ssl: { ca } };
}

async function withClient<T>(target: PgTarget, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(clientConfig(target));
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The error fields a test checks (pg's DatabaseError). */
export interface PgErrorSummary {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly constraint?: string | undefined;
  /** A socket error's (read ECONNRESET). */
  readonly syscall?: string;
}

function summarize(error: unknown): PgErrorSummary {
  const e = error as pg.DatabaseError & { syscall?: unknown };
  return {
    name: e.name,
    code: e.code,
    message: e.message,
    ...(e.constraint === undefined ? {} : { constraint: e.constraint }),
    ...(typeof e.syscall === 'string' ? { syscall: e.syscall } : {}),
  };
}

/** The connection the session scenarios keep open across calls, and its 'error' events. */
let session: { client: pg.Client; errors: PgErrorSummary[]; ended: Promise<void> } | undefined;

function sessionClient(): pg.Client {
  if (session === undefined) throw new Error('no session: call openSession first');
  return session.client;
}

const app = {
  /** Connects, asks who it is; also a wrong password (its error). */
  async login(target: PgTarget): Promise<{ user: string; ssl: boolean; wrongPassword: PgErrorSummary }> {
    const row = await withClient(target, async (client) => (await client.query<{ user: string; ssl: boolean }>('SELECT current_user AS user, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl')).rows[0]);
    const wrong = new pg.Client(clientConfig({ ...target, password: `${target.password}-wrong` }));
    const wrongPassword = await wrong.connect().then(
      () => ({ name: 'none', code: undefined, message: 'connected with a wrong password' }),
      summarize,
    );
    return { user: row?.user ?? '', ssl: row?.ssl ?? false, wrongPassword };
  },

  /** A connection that must fail (e.g. a CA that did not sign the server's certificate): its error. */
  async connectError(target: PgTarget): Promise<PgErrorSummary> {
    const client = new pg.Client(clientConfig(target));
    return client.connect().then(
      async () => {
        await client.end();
        return { name: 'none', code: undefined, message: 'connected' };
      },
      summarize,
    );
  },

  /** DDL, then parameterised inserts and a select; values come back typed by pg-types. */
  async types(target: PgTarget): Promise<Record<string, unknown>> {
    return withClient(target, async (client) => {
      await client.query('DROP TABLE IF EXISTS readings');
      await client.query(`CREATE TABLE readings (
        id serial PRIMARY KEY, count int NOT NULL, amount numeric(12, 2), at timestamptz,
        doc json, ok bool, tags text[], samples int[], big bigint, label text UNIQUE)`);
      const inserted = await client.query<{ id: number }>(
        'INSERT INTO readings (count, amount, at, doc, ok, tags, samples, big, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id',
        [42, '1234.50', new Date('2024-02-29T12:34:56.789Z'), { nested: { list: [1, 'two', null] } }, true, ['a', 'b,c', 'd"e'], [1, 2, 3], '9007199254740993', 'first'],
      );
      const { rows } = await client.query('SELECT * FROM readings WHERE id = $1 AND ok = $2', [inserted.rows[0]?.id, true]);
      const row = rows[0] as Record<string, unknown>;
      const at = row['at'];
      return {
        id: row['id'],
        count: row['count'],
        countType: typeof row['count'],
        amount: row['amount'],
        at: at instanceof Date ? at.toISOString() : `not a Date: ${String(at)}`,
        doc: row['doc'],
        ok: row['ok'],
        tags: row['tags'],
        samples: row['samples'],
        big: row['big'],
        label: row['label'],
        rowCount: rows.length,
        fields: (await client.query('SELECT * FROM readings LIMIT 0')).fields.map((field) => field.name),
      };
    });
  },

  /** Three failing statements: their SQLSTATE codes; the connection stays usable. */
  async errors(target: PgTarget): Promise<{ errors: PgErrorSummary[]; after: number }> {
    return withClient(target, async (client) => {
      const errors: PgErrorSummary[] = [];
      for (const sql of ['SELECT 1 / 0', 'SELECT * FROM no_such_table', "INSERT INTO readings (count, label) VALUES (1, 'first')"]) {
        errors.push(await client.query(sql).then(() => ({ name: 'none', code: undefined, message: `no error from ${sql}` }), summarize));
      }
      const after = (await client.query<{ n: number }>('SELECT 7 AS n')).rows[0]?.n ?? -1;
      return { errors, after };
    });
  },

  /** A bytea of `size` random bytes, in and out: lengths and digests on both ends. */
  async bytea(target: PgTarget, size: number): Promise<Record<string, unknown>> {
    const data = randomBytes(size);
    const localMd5 = createHash('md5').update(data).digest('hex');
    return withClient(target, async (client) => {
      await client.query('CREATE TEMP TABLE blobs (id int PRIMARY KEY, data bytea)');
      const started = performance.now();
      const stored = await client.query<{ length: number; md5: string }>('INSERT INTO blobs VALUES (1, $1) RETURNING length(data) AS length, md5(data) AS md5', [data]);
      const { rows } = await client.query<{ data: Buffer }>('SELECT data FROM blobs WHERE id = 1');
      const back = rows[0]?.data;
      return {
        localMd5,
        serverLength: stored.rows[0]?.length,
        serverMd5: stored.rows[0]?.md5,
        backIsBuffer: Buffer.isBuffer(back),
        backLength: back?.length,
        backMd5: back === undefined ? '' : createHash('md5').update(back).digest('hex'),
        equal: back !== undefined && back.equals(data),
        ms: Math.round(performance.now() - started),
      };
    });
  },

  /** LISTEN on one connection, NOTIFY from another: the notifications in order. */
  async listenNotify(target: PgTarget): Promise<{ channel: string; payload: string | undefined; fromOtherPid: boolean }[]> {
    const listener = new pg.Client(clientConfig(target));
    await listener.connect();
    try {
      const received: { channel: string; payload: string | undefined; processId: number }[] = [];
      const two = new Promise<void>((resolve) => {
        listener.on('notification', (message) => {
          received.push({ channel: message.channel, payload: message.payload, processId: message.processId });
          if (received.length === 2) resolve();
        });
      });
      await listener.query('LISTEN sockway_events');
      const listenerPid = (await listener.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      await withClient(target, async (notifier) => {
        await notifier.query("NOTIFY sockway_events, 'first'");
        await notifier.query('SELECT pg_notify($1, $2)', ['sockway_events', 'second ✓']);
      });
      await two;
      return received.map(({ channel, payload, processId }) => ({ channel, payload, fromOtherPid: processId !== listenerPid }));
    } finally {
      await listener.end();
    }
  },

  /** Opens a connection kept across calls (a test acts on its link in between); records its 'error' events, as an app must listen for them. */
  async openSession(target: PgTarget): Promise<void> {
    const client = new pg.Client(clientConfig(target));
    const errors: PgErrorSummary[] = [];
    client.on('error', (error) => errors.push(summarize(error)));
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await client.connect();
    session = { client, errors, ended };
  },

  /** A query on the kept connection: its rows, or its error. */
  async sessionQuery(sql: string): Promise<{ rows: unknown[] } | { error: PgErrorSummary }> {
    return sessionClient().query(sql).then(({ rows }) => ({ rows }), (error: unknown) => ({ error: summarize(error) }));
  },

  /** The kept connection's 'error' events, once it has ended (its 'end' event: the socket closed). */
  async sessionErrors(): Promise<PgErrorSummary[]> {
    if (session === undefined) throw new Error('no session: call openSession first');
    await session.ended;
    return session.errors;
  },

  /** Ends the kept connection (a failed one too, as an app does). */
  async closeSession(): Promise<void> {
    const client = sessionClient();
    session = undefined;
    await client.end();
  },

  /** A Pool of at most `max` connections running `queries` concurrent queries. */
  async pool(target: PgTarget, max: number, queries: number): Promise<Record<string, unknown>> {
    const { ca, ...rest } = target;
    const pool = new pg.Pool({ ...rest, ...(ca === undefined ? {} : { ssl: { ca } }), max });
    try {
      const results = await Promise.all(
        Array.from({ length: queries }, (_, i) => pool.query<{ pid: number; n: number }>('SELECT pg_backend_pid() AS pid, $1::int AS n FROM pg_sleep(0.02)', [i])),
      );
      const pids = new Set(results.map((result) => result.rows[0]?.pid));
      const client = await pool.connect();
      const inTransaction = await (async () => {
        await client.query('BEGIN');
        await client.query('CREATE TEMP TABLE pooled (n int) ON COMMIT DROP');
        await client.query('INSERT INTO pooled SELECT generate_series(1, 10)');
        const sum = (await client.query<{ sum: string }>('SELECT sum(n) AS sum FROM pooled')).rows[0]?.sum;
        await client.query('COMMIT');
        return sum;
      })();
      client.release();
      return {
        ns: results.map((result) => result.rows[0]?.n),
        distinctConnections: pids.size,
        totalCount: pool.totalCount,
        idleCount: pool.idleCount,
        inTransaction,
      };
    } finally {
      await pool.end();
    }
  },
};

/** The scenarios, on globalThis for page.evaluate(). */
export type PgApp = typeof app;
(globalThis as unknown as { pgApp: PgApp }).pgApp = app;
document.getElementById('status')!.textContent = 'ready';
