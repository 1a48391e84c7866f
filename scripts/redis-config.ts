/**
 * The configuration of a command that only reads and writes the gateways' Redis (`npm run events`,
 * `npm run automations`): REDIS_URL and REDIS_KEY_PREFIX matter, no vendor is called, so the
 * vendors' required credentials get stand-ins. A bad setting or a missing REDIS_URL ends the command
 * through `fail`, with the setting named and an example.
 */
import { ConfigError, loadConfig, type Config } from '../src/config/index.js';

export function loadRedisOnlyConfig(o: {
  holds: string;
  example: string;
  fail: (message: string) => never;
}): Readonly<Config> & { redis: { url: string } } {
  let config: Readonly<Config>;
  try {
    config = loadConfig({
      ...process.env,
      SIMULATORS: 'false',
      HUBSPOT_ACCESS_TOKEN: 'unused-here',
      STRIPE_SECRET_KEY: 'sk_test_unused',
      ZENDESK_BASE_URL: 'https://unused.example',
      ZENDESK_EMAIL: 'unused@example.com',
      ZENDESK_API_TOKEN: 'unused-here',
      S3_BUCKET: 'unused',
    });
  } catch (err) {
    if (err instanceof ConfigError) o.fail(err.message);
    throw err;
  }
  const url = config.redis.url;
  if (!url)
    return o.fail(`REDIS_URL is not set: name the Redis the gateways ${o.holds}. Example: REDIS_URL=redis://127.0.0.1:6379 ${o.example}`);
  return { ...config, redis: { ...config.redis, url } };
}
