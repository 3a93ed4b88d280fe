import { createMetaSandbox } from './sandbox';
import { MAGIC_RECIPIENTS } from './messages/magic-recipients';

/**
 * The sandbox on its own (`npm run sandbox`): point META_GRAPH_URL at it. Configured by
 * SANDBOX_PORT (default 4010), SANDBOX_HOST, META_APP_SECRET, SANDBOX_WEBHOOK_URL,
 * SANDBOX_STATUS_DELAY_MS and SANDBOX_WEBHOOK_BATCH (statuses per webhook while the callback is busy,
 * default 100; 1 sends each alone). SANDBOX_SEED_TOKEN provisions one WABA with a registered phone.
 */
async function main(): Promise<void> {
  const env = process.env;
  const appSecret = env.META_APP_SECRET;
  if (!appSecret) {
    console.error('META_APP_SECRET is required: the sandbox signs its webhooks with it');
    process.exit(1);
  }
  const delay = Number(env.SANDBOX_STATUS_DELAY_MS ?? 500);
  const sandbox = await createMetaSandbox({
    appSecret,
    host: env.SANDBOX_HOST ?? '127.0.0.1',
    port: Number(env.SANDBOX_PORT ?? 4010),
    webhookUrl: env.SANDBOX_WEBHOOK_URL,
    statusDelaysMs: { sent: 0, delivered: delay, read: delay * 2 },
    webhookBatching: { maxChanges: Number(env.SANDBOX_WEBHOOK_BATCH ?? 100), inFlight: 8 },
  });
  console.log(`Meta Graph API sandbox listening on ${sandbox.url}`);
  if (env.SANDBOX_SEED_TOKEN) {
    const waba = sandbox.createWaba({ name: 'Sandbox Business', accessToken: env.SANDBOX_SEED_TOKEN });
    const phone = sandbox.createPhoneNumber(waba.id, {
      displayPhoneNumber: '+1 555-010-0001',
      verifiedName: 'Sandbox Business',
    });
    console.log(`Seeded WABA ${waba.id} with phone number ${phone.id}`);
  }
  console.log(`Magic recipients: ${JSON.stringify(MAGIC_RECIPIENTS)}`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
