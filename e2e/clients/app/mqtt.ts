/**
 * MQTT.js, unmodified, in a page, over TCP: in a browser MQTT.js only dials WebSockets
 * itself, so the app hands it a stream builder that returns a sockway `net` socket to
 * the broker (MQTT.js's own API for custom transports). Run by e2e/clients/mqtt.e2e.ts.
 */
import mqtt from 'mqtt';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import net from 'net';

/** The broker (from the test's Mosquitto fixture). */
export interface MqttTarget {
  readonly host: string;
  readonly port: number;
}

/** An MQTT client on a TCP connection through the gateway. */
function connectTcp(target: MqttTarget, options: IClientOptions): MqttClient {
  // The stream builder runs for the first connection and for every reconnect. noDelay:
  // small packets go out at once, not held back by Nagle's algorithm until an ACK.
  // timerVariant 'native': MQTT.js's default in a browser runs its keepalive timer in a
  // Worker made from a blob: URL, which a CSP without `worker-src blob:` refuses.
  return new mqtt.MqttClient(() => net.connect({ port: target.port, host: target.host, noDelay: true }), { reconnectPeriod: 0, connectTimeout: 10_000, timerVariant: 'native', ...options });
}

function connected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
}

/** One received message, as plain data. */
export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
  readonly userProperties?: unknown;
}

const app = {
  /** Subscribes (QoS 1) with one client, publishes (QoS 1) with another; both MQTT 5. */
  async publishSubscribe(target: MqttTarget, count: number): Promise<{ granted: unknown; acks: number; received: Received[] }> {
    const subscriber = connectTcp(target, { clientId: 'sockway-sub', protocolVersion: 5, clean: true });
    const publisher = connectTcp(target, { clientId: 'sockway-pub', protocolVersion: 5, clean: true });
    try {
      await Promise.all([connected(subscriber), connected(publisher)]);
      const received: Received[] = [];
      const all = new Promise<void>((resolve) => {
        subscriber.on('message', (topic: string, payload: Uint8Array, packet: IPublishPacket) => {
          received.push({ topic, payload: new TextDecoder().decode(payload), qos: packet.qos, retain: packet.retain, userProperties: packet.properties?.userProperties });
          if (received.length === count) resolve();
        });
      });
      const granted = await subscriber.subscribeAsync('sensors/+/reading', { qos: 1 });
      let acks = 0;
      for (let i = 0; i < count; i++) {
        // publishAsync resolves on the broker's PUBACK (QoS 1).
        await publisher.publishAsync(`sensors/${String(i % 2 === 0 ? 'a' : 'b')}/reading`, `reading ${String(i)} ✓`, { qos: 1, properties: { userProperties: { seq: String(i) } } });
        acks++;
      }
      await all;
      return { granted: granted.map(({ topic, qos }) => ({ topic, qos })), acks, received };
    } finally {
      await Promise.all([subscriber.endAsync(), publisher.endAsync()]);
    }
  },

  /** A retained message (QoS 1), delivered to a client that subscribes later. */
  async retained(target: MqttTarget): Promise<Received> {
    const publisher = connectTcp(target, { clientId: 'sockway-retain-pub' });
    await connected(publisher);
    await publisher.publishAsync('status/gateway', 'online', { qos: 1, retain: true });
    await publisher.endAsync();
    const late = connectTcp(target, { clientId: 'sockway-retain-sub' });
    try {
      await connected(late);
      const message = new Promise<Received>((resolve) => {
        late.once('message', (topic: string, payload: Uint8Array, packet: IPublishPacket) => resolve({ topic, payload: new TextDecoder().decode(payload), qos: packet.qos, retain: packet.retain }));
      });
      await late.subscribeAsync('status/#', { qos: 1 });
      return await message;
    } finally {
      await late.endAsync();
    }
  },
};

/** The scenarios, on globalThis for page.evaluate(). */
export type MqttApp = typeof app;
(globalThis as unknown as { mqttApp: MqttApp }).mqttApp = app;
document.getElementById('status')!.textContent = 'ready';
