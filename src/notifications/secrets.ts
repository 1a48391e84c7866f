/**
 * Endpoint signing secrets encrypted at rest: AES-256-GCM with NOTIFY_SECRET_KEY, so a Redis dump,
 * backup or replica alone does not let anyone sign webhooks as Portico.
 *
 *   sealed = "v1." + keyId + "." + iv + "." + ciphertext + "." + tag   (base64url parts)
 *
 * A fresh 12-byte IV per seal; the endpoint id is the additional authenticated data, so a sealed
 * secret copied onto another endpoint's record does not open. `keyId` (8 hex of a SHA-256 of the
 * key) names the key that sealed it: key rotation sets a new NOTIFY_SECRET_KEY and lists the
 * previous one in NOTIFY_SECRET_KEYS_OLD; secrets sealed with it still open, and every write of an
 * endpoint (rotation, enable/disable) seals with the new key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The key text: 64 hex digits or 32 bytes in base64; undefined when it is neither. */
export function parseSecretKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    return b.length === 32 ? b : undefined;
  }
  return undefined;
}

/** A sealed secret that no configured key opens (wrong key, key missing from NOTIFY_SECRET_KEYS_OLD, or tampered). */
export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

export interface SecretBox {
  seal(plain: string, aad: string): string;
  open(sealed: string, aad: string): string;
  /** True when the value is sealed (not a plaintext secret stored before encryption at rest). */
  isSealed(value: string): boolean;
}

const keyIdOf = (key: Buffer) => createHash('sha256').update('portico-notify-secret-key\n').update(key).digest('hex').slice(0, 8);

export function createSecretBox(o: { key: string; oldKeys?: readonly string[] }): SecretBox {
  const parse = (text: string, name: string) => {
    const k = parseSecretKey(text);
    if (!k) throw new Error(`${name} must be 32 bytes: 64 hex digits or base64 (openssl rand -hex 32)`);
    return k;
  };
  const current = parse(o.key, 'NOTIFY_SECRET_KEY');
  const currentId = keyIdOf(current);
  const keys = new Map<string, Buffer>([[currentId, current]]);
  for (const old of o.oldKeys ?? []) {
    const k = parse(old, 'NOTIFY_SECRET_KEYS_OLD');
    if (!keys.has(keyIdOf(k))) keys.set(keyIdOf(k), k);
  }
  const b64 = (b: Buffer) => b.toString('base64url');
  return {
    isSealed: (v) => v.startsWith('v1.'),
    seal(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', current, iv);
      c.setAAD(Buffer.from(aad));
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', currentId, b64(iv), b64(ct), b64(c.getAuthTag())].join('.');
    },
    open(sealed, aad) {
      const [v, id, iv, ct, tag] = sealed.split('.');
      if (v !== 'v1' || !id || !iv || ct === undefined || !tag)
        throw new SecretKeyError('the stored signing secret is not in the sealed format');
      const key = keys.get(id);
      if (!key)
        throw new SecretKeyError(
          `the signing secret was sealed with key ${id}, which is neither NOTIFY_SECRET_KEY nor in NOTIFY_SECRET_KEYS_OLD: add the previous key to NOTIFY_SECRET_KEYS_OLD`,
        );
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        d.setAAD(Buffer.from(aad));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError(`the signing secret sealed with key ${id} does not open: it was altered or belongs to another endpoint`);
      }
    },
  };
}
