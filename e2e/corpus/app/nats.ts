/**
 * nats (nats.js, its Node transport), unmodified: a wrong password, then a login with
 * user and password, publish/subscribe with a wildcard, request/reply within the page
 * and to a responder the test runs in Node, flush and drain, against the test's nats-server.
 */
import { StringCodec, connect } from 'nats';
import { errorData, exposeCorpus } from './corpus-page.ts';

/** The test's nats-server, and the subject its Node responder answers on. */
export interface NatsTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly nodeSubject: string;
}

async function run(target: NatsTarget) {
  const servers = `${target.host}:${String(target.port)}`;
  // No reconnects: a failure should fail the scenario, not loop.
  const wrongPassword = await connect({ servers, user: target.user, pass: 'not the password', reconnect: false, maxReconnectAttempts: 0 }).then(
    async (nc) => {
      await nc.close();
      return { name: 'connected', message: '' };
    },
    (error: unknown) => errorData(error),
  );

  const nc = await connect({ servers, user: target.user, pass: target.password, reconnect: false, name: 'sockway corpus' });
  const sc = StringCodec();
  const received: string[][] = [];
  let resolveReceived: () => void = () => {};
  const allReceived = new Promise<void>((resolve) => (resolveReceived = resolve));
  const sub = nc.subscribe('corpus.sensor.*', {
    callback: (error, msg) => {
      if (error !== null) received.push(['error', error.message]);
      else received.push([msg.subject, sc.decode(msg.data)]);
      if (received.length === 2) resolveReceived();
    },
  });
  // A responder in the page: request/reply through the server.
  const echo = nc.subscribe('corpus.echo', { callback: (_error, msg) => msg.respond(sc.encode(`echo: ${sc.decode(msg.data)}`)) });
  // The subscriptions reach the server before the publishes below.
  await nc.flush();
  nc.publish('corpus.sensor.temp', sc.encode('21.5 °C'));
  nc.publish('corpus.sensor.wind', sc.encode('12 km/h'));
  await allReceived;
  const reply = sc.decode((await nc.request('corpus.echo', sc.encode('héllo ✓'), { timeout: 5_000 })).data);
  const fromNode = sc.decode((await nc.request(target.nodeSubject, sc.encode('from the page ✓'), { timeout: 5_000 })).data);
  const noResponders = await nc.request('corpus.nobody', sc.encode('?'), { timeout: 5_000 }).then(
    () => 'answered',
    (error: unknown) => errorData(error).code,
  );
  const info = nc.info;
  const closed = nc.closed();
  await nc.drain();
  const closeResult = await closed;
  return {
    wrongPassword,
    received,
    reply,
    fromNode,
    noResponders,
    serverInfo: { hasVersion: typeof info?.version === 'string', authRequired: info?.auth_required },
    subscriptionsClosed: [sub.isClosed(), echo.isClosed()],
    isClosed: nc.isClosed(),
    closeError: closeResult === undefined ? null : closeResult.message,
  };
}

/** The scenario's result, for the test. */
export type NatsResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
