import net from 'node:net';

const status = document.querySelector('output')!;
const ping = document.querySelector('button')!;

// One connection for the page's life, as a Redis client keeps it.
const redis = net.connect(6379, 'redis.internal', () => redis.write('PING\r\n'));
redis.setEncoding('utf8');
redis.on('data', (reply: string) => {
  status.textContent = reply.trim();
});
redis.on('error', (error) => {
  status.textContent = error.message;
});
redis.on('close', (hadError) => {
  if (!hadError) status.textContent = 'closed';
  ping.disabled = true;
});

ping.addEventListener('click', () => {
  status.textContent = 'waiting…';
  redis.write('PING\r\n');
});
