/**
 * The corpus of Node TCP client libraries run unmodified in Chromium through
 * `sockway/vite`: one row per library, what it was tested against, and the result.
 * The table in docs/real-clients.md is generated from this file (e2e/corpus/table.ts) and a test
 * checks it is the same; each library's e2e test checks the row's status.
 */

/** How a library fares in a page: works, needs something sockway does not provide yet, or cannot work in a browser. */
export type CorpusStatus = 'works' | { readonly missing: string } | { readonly impossible: string };

/** One library of the corpus. */
export interface CorpusLibrary {
  /** The npm package name (its version is read from node_modules at table time). */
  readonly name: string;
  /** Its page in e2e/corpus/app (`<page>.html`); undefined for the libraries e2e/clients tests. */
  readonly page?: string;
  /** What it speaks. */
  readonly protocol: string;
  /** The real server its test starts (the Debian package). */
  readonly server: string;
  readonly status: CorpusStatus;
  /** What the test does, in a few words. */
  readonly checks: string;
  /** The test file, from the repository root. */
  readonly test: string;
}

/** The corpus, in the order of the table in docs/real-clients.md. */
export const CORPUS: readonly CorpusLibrary[] = [
  {
    name: 'pg',
    protocol: 'PostgreSQL',
    server: 'PostgreSQL (postgresql)',
    status: 'works',
    checks: 'SCRAM and MD5 login, typed queries, errors, 5 MiB bytea, LISTEN/NOTIFY, Pool, TLS',
    test: 'e2e/clients/pg.e2e.ts',
  },
  {
    name: 'mysql2',
    page: 'mysql2',
    protocol: 'MySQL',
    server: 'MariaDB (mariadb-server)',
    status: 'works',
    checks: "login, typed parameterised queries, `execute`, SQL errors, transaction, Pool; rows read back from Node. Under a CSP without 'unsafe-eval' set `disableEval: true`",
    test: 'e2e/corpus/mysql.e2e.ts',
  },
  {
    name: 'mysql',
    page: 'mysql',
    protocol: 'MySQL',
    server: 'MariaDB (mariadb-server)',
    status: 'works',
    checks: 'login, typed parameterised queries, SQL errors, transaction, Pool; rows read back from Node. Needs function names kept by the minifier (the plugin sets `keepNames`)',
    test: 'e2e/corpus/mysql.e2e.ts',
  },
  {
    name: 'mariadb',
    page: 'mariadb',
    protocol: 'MySQL / MariaDB',
    server: 'MariaDB (mariadb-server)',
    status: { missing: '`process.version`, `process.versions.node` and `process.platform`: it checks the Node version at import (and calls `process.exit`), and sends the Node version and platform in every handshake. A page does not claim to be Node: libraries read `process.versions.node` to tell Node from a browser' },
    checks: 'login, typed parameterised queries, `execute`, `batch`, SQL errors, transaction, Pool; rows read back from Node',
    test: 'e2e/corpus/mysql.e2e.ts',
  },
  {
    name: 'ioredis',
    protocol: 'Redis',
    server: 'Redis (redis-server)',
    status: 'works',
    checks: 'AUTH, binary values, pipeline, MULTI/WATCH, Lua, pub/sub',
    test: 'e2e/clients/ioredis.e2e.ts',
  },
  {
    name: 'redis',
    page: 'redis',
    protocol: 'Redis',
    server: 'Redis (redis-server)',
    status: 'works',
    checks: 'AUTH (and a wrong password), SET/GET, binary values, MULTI, hashes, pub/sub, close',
    test: 'e2e/corpus/redis.e2e.ts',
  },
  {
    name: 'bullmq',
    page: 'bullmq',
    protocol: 'Redis (job queue, on ioredis)',
    server: 'Redis (redis-server)',
    status: 'works',
    checks: 'Queue.add, a Worker in the page (blocking commands, Lua), a retried failure, QueueEvents, close; results read back from Node',
    test: 'e2e/corpus/redis.e2e.ts',
  },
  {
    name: 'memjs',
    page: 'memjs',
    protocol: 'memcached (binary)',
    server: 'memcached (memcached)',
    status: 'works',
    checks: 'SET/GET text and binary, ADD, INCREMENT, DELETE, STATS, close; value read back from Node',
    test: 'e2e/corpus/memcached.e2e.ts',
  },
  {
    name: 'memcached',
    page: 'memcached',
    protocol: 'memcached (text)',
    server: 'memcached (memcached)',
    status: 'works',
    checks: 'SET/GET strings and JSON, GETS/CAS, ADD, INCR, multi-GET, DEL, VERSION, end; value read back from Node',
    test: 'e2e/corpus/memcached.e2e.ts',
  },
  {
    name: 'mqtt',
    protocol: 'MQTT',
    server: 'Mosquitto (mosquitto)',
    status: 'works',
    checks: 'MQTT 5 and 3.1.1 over TCP, QoS 1 publish/subscribe, retained messages',
    test: 'e2e/clients/mqtt.e2e.ts',
  },
  {
    name: 'ssh2',
    protocol: 'SSH',
    server: 'OpenSSH (openssh-server)',
    status: 'works',
    checks: "exec, pty shell, 1 MiB through every cipher, key and password logins (`crypto: 'full'`)",
    test: 'e2e/clients/ssh2.e2e.ts',
  },
  // Mail, directories, remote shells and message brokers (issue 13 item 3, second half).
  {
    name: 'nodemailer',
    page: 'nodemailer',
    protocol: 'SMTP',
    server: 'OpenSMTPD (opensmtpd)',
    status: 'works',
    checks: 'verify, a mail with text, HTML and a binary attachment, two recipients on a pooled connection, close; the messages read from the Maildir (no AUTH: OpenSMTPD offers it only after STARTTLS, broken in Debian 12\'s 6.8 on OpenSSL 3)',
    test: 'e2e/corpus/nodemailer.e2e.ts',
  },
  {
    name: 'imapflow',
    page: 'imapflow',
    protocol: 'IMAP',
    server: 'Dovecot (dovecot-imapd)',
    status: 'works',
    checks: 'LOGIN, CREATE, LIST, APPEND, SEARCH, STORE flags, FETCH envelope and body, STATUS, LOGOUT, a wrong password; the message read from the Maildir',
    test: 'e2e/corpus/imapflow.e2e.ts',
  },
  {
    name: 'ldapjs',
    page: 'ldapjs',
    protocol: 'LDAP',
    server: 'OpenLDAP (slapd)',
    status: 'works',
    checks: 'a wrong password, bind, add, search with a filter, modify, delete, unbind; the entry read back from Node',
    test: 'e2e/corpus/ldap.e2e.ts',
  },
  {
    name: 'ldapts',
    page: 'ldapts',
    protocol: 'LDAP',
    server: 'OpenLDAP (slapd)',
    status: 'works',
    checks: 'a wrong password, bind, add, search with a filter, modify, delete, unbind; the entry read back from Node',
    test: 'e2e/corpus/ldap.e2e.ts',
  },
  {
    name: 'telnet-client',
    page: 'telnet-client',
    protocol: 'Telnet',
    server: 'inetutils telnetd (inetutils-telnetd)',
    status: 'works',
    checks: 'option negotiation, a failed login, login, commands and their output, end',
    test: 'e2e/corpus/telnet-client.e2e.ts',
  },
  {
    name: 'amqplib',
    page: 'amqplib',
    protocol: 'AMQP 0-9-1',
    server: 'RabbitMQ (rabbitmq-server)',
    status: 'works',
    checks: 'a wrong password, assertQueue, sendToQueue, consume with ack, a confirm channel publish through a topic exchange, a channel error, close; the message read from Node',
    test: 'e2e/corpus/amqplib.e2e.ts',
  },
  {
    name: 'nats',
    page: 'nats',
    protocol: 'NATS',
    server: 'NATS (nats-server)',
    status: 'works',
    checks: 'a wrong password, user/password login, publish/subscribe with a wildcard, request/reply (also to a Node responder), no responders, drain',
    test: 'e2e/corpus/nats.e2e.ts',
  },
  // PostgreSQL (Postgres.js) and FTP (basic-ftp, ftp).
  {
    name: 'postgres',
    page: 'postgres',
    protocol: 'PostgreSQL',
    server: 'PostgreSQL (postgresql)',
    status: 'works',
    checks: 'SCRAM login (and a wrong password), tagged-template queries with int, numeric, timestamptz, json, bytea and array values, `sql.begin` commit and rollback, SQLSTATE errors, LISTEN/NOTIFY, `sql.end()`; rows read back from Node',
    test: 'e2e/corpus/postgres.e2e.ts',
  },
  {
    name: 'basic-ftp',
    page: 'basic-ftp',
    protocol: 'FTP',
    server: 'vsftpd (vsftpd)',
    status: 'works',
    checks: 'login (and a wrong password), LIST, download, MKD, a 300 KiB binary upload downloaded back byte for byte (passive mode: the gateway allows the passive port range), SIZE, rename, delete, close; files checked on disk',
    test: 'e2e/corpus/ftp.e2e.ts',
  },
  {
    name: 'ftp',
    page: 'ftp',
    protocol: 'FTP',
    server: 'vsftpd (vsftpd)',
    status: 'works',
    checks: 'login (and a wrong password), LIST, download, MKD/CWD, a 300 KiB binary upload downloaded back byte for byte (passive mode), SIZE, rename, delete, end; files checked on disk',
    test: 'e2e/corpus/ftp.e2e.ts',
  },
];

/** The row of `name`; throws for a library the corpus does not list. */
export function corpusLibrary(name: string): CorpusLibrary {
  const row = CORPUS.find((library) => library.name === name);
  if (row === undefined) throw new Error(`${name} is not in e2e/corpus/libraries.ts`);
  return row;
}
