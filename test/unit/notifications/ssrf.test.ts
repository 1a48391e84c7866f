/**
 * Partner endpoint URLs in production: https only, never a loopback, private or link-local address,
 * literal or after DNS resolution; and the connect-time lookup refuses the same.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Agent, request } from 'undici';
import { checkEndpointUrl, guardedLookup, isPrivateAddress, UnsafeUrlError } from '../../../src/notifications/ssrf.js';

const strict = { allowPrivate: false };
const refused = (url: string, policy = strict) =>
  assert.rejects(checkEndpointUrl(url, policy), (e: Error) => e instanceof UnsafeUrlError, `${url} is refused`);

test('plain http, credentials in the URL and non-URLs are refused', async () => {
  await refused('http://partner.example/hook');
  await refused('https://user:pass@partner.example/hook');
  await refused('ftp://partner.example/hook');
  await refused('partner.example/hook');
});

test('literal loopback, private, link-local and mapped addresses are refused', async () => {
  for (const url of [
    'https://127.0.0.1/hook',
    'https://10.1.2.3/hook',
    'https://172.16.0.9/hook',
    'https://192.168.1.1/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/hook',
    'https://0.0.0.0/hook',
    'https://[::1]/hook',
    'https://[fe80::1]/hook',
    'https://[fd00::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::ffff:a9fe:a9fe]/hook',
    // Other spellings of loopback: decimal, octal, hex, short forms (the URL parser normalises them).
    'https://2130706433/hook',
    'https://0177.0.0.1/hook',
    'https://0x7f.1/hook',
    'https://127.1/hook',
    'https://0/hook',
    // IPv6 forms that carry or reach an IPv4 address: IPv4-compatible, IPv4-translated, NAT64
    // (well-known and local-use), 6to4, Teredo; and site-local, discard-only.
    'https://[::127.0.0.1]/hook',
    'https://[::ffff:0:7f00:1]/hook',
    'https://[64:ff9b::a00:1]/hook',
    'https://[64:ff9b:1::a00:1]/hook',
    'https://[2002:7f00:1::]/hook',
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
    'https://[fec0::1]/hook',
    'https://[100::1]/hook',
  ])
    await refused(url);
});

test('a host that resolves to a private address is refused (localhost, and a public-looking name)', async () => {
  await refused('https://localhost/hook');
  const resolve = async (host: string) =>
    host === 'rebind.partner.example'
      ? [
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.5', family: 4 },
        ]
      : [{ address: '93.184.216.34', family: 4 }];
  await refused('https://rebind.partner.example/hook', { allowPrivate: false, resolve } as never);
  const ok = await checkEndpointUrl('https://partner.example/hook', { allowPrivate: false, resolve });
  assert.equal(ok.toString(), 'https://partner.example/hook');
  assert.equal((await checkEndpointUrl('https://93.184.216.34/hook', strict)).hostname, '93.184.216.34');
});

test('development (WEBHOOK_ALLOW_PRIVATE_URLS) accepts loopback http, still not other schemes', async () => {
  assert.equal((await checkEndpointUrl('http://127.0.0.1:9999/x', { allowPrivate: true })).port, '9999');
  await refused('file:///etc/passwd', { allowPrivate: true });
});

test('the connect-time lookup refuses a private answer', async () => {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)));
  assert.equal(err?.code, 'EPRIVATEADDR');
  assert.equal(isPrivateAddress('8.8.8.8'), false);
  assert.equal(isPrivateAddress('2606:4700:4700::1111'), false);
  assert.equal(isPrivateAddress('2001:4860:4860::8888'), false, 'a public 2001:: address outside Teredo');
  assert.equal(isPrivateAddress('::ffff:8.8.8.8'), false, 'a mapped public IPv4 address');
  assert.equal(isPrivateAddress('not-an-ip'), true);
});

test('deliveries connect through the guarded lookup: a name resolving to loopback is refused at connect time', async () => {
  const server = createServer((_req, res) => res.end('reached'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const guarded = new Agent({ connect: { lookup: guardedLookup } });
  const open = new Agent();
  try {
    await assert.rejects(
      request(`http://localhost:${port}/`, { dispatcher: guarded }),
      (e: Error & { code?: string; cause?: { code?: string } }) => (e.code ?? e.cause?.code) === 'EPRIVATEADDR',
    );
    const r = await request(`http://localhost:${port}/`, { dispatcher: open });
    assert.equal(await r.body.text(), 'reached', 'the same request without the guard reaches it');
  } finally {
    await guarded.close();
    await open.close();
    await new Promise((r) => server.close(r));
  }
});
