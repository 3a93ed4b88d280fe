import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { newTenant, patHeaders } from './factories';
import { probeState, ProbeModule } from './probe.module';
import { startTestService, TestService } from './test-service';
import { waitFor } from './wait-for';

/**
 * The same behaviour must hold on both queue backends: jobs get processed, and a graceful
 * shutdown stops accepting requests, finishes the in-flight request and job, then closes.
 */
export function describeQueueBackend(backend: 'redis' | 'postgres', env: Record<string, string>): void {
  describe(`queue backend: ${backend}`, () => {
    let service: TestService;

    beforeAll(async () => {
      service = await startTestService(env);
    });
    afterAll(() => service.close());

    it('reports the backend in readiness', async () => {
      const ready = await service.api.GET('/health/ready');
      expect(ready.data?.data.queueBackend).toBe(backend);
    });

    it("processes jobs: an API key's use is recorded as lastUsedAt by a housekeeping job", async () => {
      const tenant = await newTenant(service);
      const before = Date.now();
      expect(
        (await service.api.GET('/v1/me', { headers: { Authorization: `Bearer ${tenant.apiKey.key}` } })).response
          .status,
      ).toBe(200);

      const lastUsedAt = await waitFor('lastUsedAt to be recorded', async () => {
        const keys = await service.api.GET('/v1/organizations/{orgId}/api-keys', {
          headers: patHeaders(tenant.pat),
          params: { path: { orgId: tenant.orgId } },
        });
        return keys.data?.data[0].lastUsedAt ?? undefined;
      });
      expect(new Date(lastUsedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    });

    it('delivers a batch at the phone’s pace: each message reaches WhatsApp once', async () => {
      const tenant = await newTenant(service, { mode: 'test' });
      const headers = { Authorization: `Bearer ${tenant.apiKey.key}` };
      const waba = (await service.api.GET('/v1/wabas', { headers })).data!.data[0];
      await service.api.POST('/v1/wabas/{wabaId}/templates/sync', { headers, params: { path: { wabaId: waba.id } } });
      const recipients = Array.from({ length: 40 }, (_, index) => ({ to: `+1555${String(3_000_000 + index)}` }));
      const batch = await service.api.POST('/v1/messages/batch', {
        headers,
        body: {
          phoneNumberId: waba.phoneNumbers[0].id,
          type: 'template',
          template: { name: 'hello_world', language: { code: 'en_US' } },
          recipients,
        } as never,
      });
      const counts = await waitFor('the batch to reach WhatsApp', async () => {
        const current = await service.api.GET('/v1/messages/batch/{batchId}', {
          headers,
          params: { path: { batchId: batch.data!.data.id } },
        });
        const { queued, sending } = current.data!.data.counts;
        return queued + sending === 0 ? current.data!.data.counts : undefined;
      });
      expect(counts.failed).toBe(0);
      const sandbox = await service.context.get(SandboxHost).get();
      const sent = sandbox.sentMessages(waba.phoneNumbers[0].metaPhoneNumberId);
      expect(sent).toHaveLength(40);
      expect(sandbox.refusedMessages(waba.phoneNumbers[0].metaPhoneNumberId)).toEqual([]);
    });

    it('graceful shutdown stops accepting, then finishes the in-flight request and job before closing', async () => {
      probeState.reset();
      const draining = await startTestService(env, [ProbeModule]);
      const enqueued = await fetch(`${draining.url}/v1/probe/enqueue-slow-job`);
      const { data } = (await enqueued.json()) as { data: { jobId: string } };
      await probeState.jobStarted.opened;

      const inFlight = fetch(`${draining.url}/v1/probe/slow`);
      await probeState.requestStarted.opened;

      let closed = false;
      const closing = draining.close().then(() => (closed = true));
      await waitFor('the server to stop accepting connections', async () =>
        fetch(`${draining.url}/health`).then(
          () => undefined,
          () => true,
        ),
      );
      expect(closed).toBe(false);

      probeState.requestGate.open();
      probeState.jobGate.open();
      const response = await inFlight;
      await closing;

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { finished: true } });
      expect(probeState.finishedJobs).toEqual([data.jobId]);
    });
  });
}
