/** The HTTP error table (src/errors/http.ts): one status and code per reason, and the three body shapes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { ErrorCode } from '../../../src/errors/index.js';
import { HTTP_ERRORS, replyError, type HttpErrorReason, type ReplyErrorOptions } from '../../../src/errors/http.js';

async function served(reason: HttpErrorReason, message: string, o?: ReplyErrorOptions) {
  const app = Fastify();
  app.get('/', async (_req, reply) => replyError(reply, reason, message, o));
  try {
    return await app.inject({ method: 'GET', url: '/' });
  } finally {
    await app.close();
  }
}

test('a GraphQL-shaped refusal: the status and code of its reason, extensions and headers added', async () => {
  const res = await served('RATE_LIMITED', 'Slow down.', { retryAfterS: 7, extensions: { retryAfter: 7 } });
  assert.equal(res.statusCode, 429);
  assert.equal(res.headers['retry-after'], '7');
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.deepEqual(res.json(), { errors: [{ message: 'Slow down.', extensions: { code: 'RATE_LIMITED', retryAfter: 7 } }] });
});

test('a malformed request keeps the 4xx Fastify chose; any other reason keeps its own status', async () => {
  assert.equal((await served('MALFORMED_REQUEST', 'm', { status: 415 })).statusCode, 415);
  assert.equal((await served('MALFORMED_REQUEST', 'm', { status: 502 })).statusCode, 400);
  assert.equal((await served('METHOD_NOT_ALLOWED', 'm', { status: 415 })).statusCode, 405);
});

test('text and json bodies for routes people open and the sandbox API', async () => {
  const text = await served('UNAUTHENTICATED', 'Send a token.\n', { body: 'text', headers: { 'www-authenticate': 'Bearer' } });
  assert.equal(text.statusCode, 401);
  assert.equal(text.headers['www-authenticate'], 'Bearer');
  assert.match(String(text.headers['content-type']), /^text\/plain/);
  assert.equal(text.body, 'Send a token.\n');
  const json = await served('BAD_REQUEST', 'Send a persona.', { body: 'json' });
  assert.equal(json.statusCode, 400);
  assert.deepEqual(json.json(), { error: 'Send a persona.' });
});

test('every reason has an error status and a catalogue code', () => {
  for (const [reason, e] of Object.entries(HTTP_ERRORS)) {
    assert.ok(e.status >= 400 && e.status < 600, reason);
    assert.ok(Object.values(ErrorCode).includes(e.code), reason);
  }
});
