import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret, signedHeaders } from './index';

/** The verification snippet in README.md works against what OpenWABA sends. */
describe("README's webhook verification snippet", () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const snippet = /```js\n([\s\S]*?verifyOpenWabaWebhook[\s\S]*?)```/.exec(readme)?.[1];
  type Verify = (secret: string, headers: Record<string, string>, body: string) => unknown;
  const verifyOpenWabaWebhook = new Function('require', `${snippet}; return verifyOpenWabaWebhook;`)(require) as Verify;

  const body = JSON.stringify({ id: 'evt', type: 'message.received', data: { text: 'é' } });

  it('accepts a delivery, also during a rotation', () => {
    const [secret, other] = [generateSecret(), generateSecret()];
    expect(verifyOpenWabaWebhook(secret, { ...signedHeaders([secret], 'evt', body) }, body)).toEqual(JSON.parse(body));
    expect(verifyOpenWabaWebhook(secret, { ...signedHeaders([other, secret], 'evt', body) }, body)).toEqual(
      JSON.parse(body),
    );
  });

  it('refuses a wrong secret, a changed body and a stale timestamp', () => {
    const secret = generateSecret();
    const headers = { ...signedHeaders([secret], 'evt', body) };
    expect(() => verifyOpenWabaWebhook(generateSecret(), headers, body)).toThrow('bad signature');
    expect(() => verifyOpenWabaWebhook(secret, headers, body.replace('é', 'e'))).toThrow('bad signature');
    const stale = { ...signedHeaders([secret], 'evt', body, new Date(Date.now() - 10 * 60_000)) };
    expect(() => verifyOpenWabaWebhook(secret, stale, body)).toThrow('stale webhook');
  });
});
