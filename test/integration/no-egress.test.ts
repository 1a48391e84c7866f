/**
 * Portico connects to nothing it was not configured to reach: starting the app, serving a request
 * and closing make TCP connections and HTTP requests to loopback only (the simulators and Redis).
 * @apollo/gateway used to report usage to Apollo and probe four clouds' metadata addresses at
 * every start (issue 8). Node's diagnostics channels see every socket, whichever library opens it.
 */
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { DASHBOARD, startTestApp } from '../helpers/app.js';

test('start, a dashboard request and shutdown reach loopback addresses only', async () => {
  const outside: string[] = [];
  const loopback = (host: string | undefined) => !host || /^(127\.|::1$|::ffff:127\.|localhost$)/.test(host);
  const onSocket = (msg: unknown) => {
    const socket = (msg as { socket: Socket }).socket;
    socket.once('connectionAttempt', (ip: string, port: number) => !loopback(ip) && outside.push(`connect ${ip}:${port}`));
    socket.once('lookup', (_err: unknown, _address: string, _family: unknown, host: string) => !loopback(host) && outside.push(`lookup ${host}`));
  };
  const onHttp = (msg: unknown) => {
    const { request } = msg as { request: { host: string; path: string } };
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
  } finally {
    dc.unsubscribe('net.client.socket', onSocket);
    dc.unsubscribe('http.client.request.start', onHttp);
  }
});
