/**
 * Portico connects to nothing it was not configured to reach: starting the app, serving a request
 * and closing make TCP connections and HTTP requests to loopback only (the simulators and Redis).
 * @apollo/gateway used to report usage to Apollo and probe four clouds' metadata addresses at
 * every start (issue 8). Node's diagnostics channels see every socket, whichever library opens it.
 */
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { createServer, get, type RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { DASHBOARD, startTestApp } from '../helpers/app.js';

/** One GET answered by `port` on loopback, whatever host it names (a custom lookup stands in for DNS). */
const probe = (o: RequestOptions) =>
  new Promise<void>((resolve, reject) => get({ path: '/probe', ...o }, (res) => res.resume().on('end', resolve)).on('error', reject));

test('start, a dashboard request and shutdown reach loopback addresses only', async () => {
  const outside: string[] = [];
  let sockets = 0;
  let requests = 0;
  const loopback = (host: string | undefined) => !host || /^(127\.|::1$|::ffff:127\.|localhost$)/.test(host);
  const onSocket = (msg: unknown) => {
    const socket = (msg as { socket: Socket }).socket;
    sockets++;
    socket.once('connectionAttempt', (ip: string, port: number) => !loopback(ip) && outside.push(`connect ${ip}:${port}`));
    socket.once(
      'lookup',
      (_err: unknown, _address: string, _family: unknown, host: string) => !loopback(host) && outside.push(`lookup ${host}`),
    );
  };
  const onHttp = (msg: unknown) => {
    const { request } = msg as { request: { host: string; path: string } };
    requests++;
    if (!loopback(request.host)) outside.push(`http ${request.host}${request.path}`);
  };
  dc.subscribe('net.client.socket', onSocket);
  dc.subscribe('http.client.request.start', onHttp);
  try {
    const t = await startTestApp();
    try {
      const res = await t.gql(DASHBOARD, { token: t.token('customer', '1001') });
      assert.equal(res.body.data.me.name, 'Ada Lovelace');
    } finally {
      await t.close();
    }
    assert.deepEqual(outside, []);
    // The hooks saw the app's own traffic (Redis, the simulators, the test's requests): an empty
    // list above means nothing went out, not that nothing was watched.
    assert.ok(sockets > 0, 'no socket seen');
    assert.ok(requests > 0, 'no HTTP client request seen');

    // Positive control: requests that name other hosts are caught, though they stay on this machine
    // (a lookup answered locally for a name, and 0.0.0.0, which Linux connects to the local host).
    const local = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    try {
      const port = (local.address() as { port: number }).port;
      type Lookup = (host: string, o: { all?: boolean }, cb: (...args: unknown[]) => void) => void;
      const lookup: Lookup = (_host, o, cb) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
      await probe({ host: 'egress.invalid', port, lookup: lookup as RequestOptions['lookup'] });
      await probe({ host: '0.0.0.0', port });
      assert.deepEqual(outside.sort(), [
        'connect 0.0.0.0:' + port,
        'http 0.0.0.0/probe',
        'http egress.invalid/probe',
        'lookup egress.invalid',
      ]);
    } finally {
      local.close();
    }
  } finally {
    dc.unsubscribe('net.client.socket', onSocket);
    dc.unsubscribe('http.client.request.start', onHttp);
  }
});
