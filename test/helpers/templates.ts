import { bearer } from './factories';
import type { TestService } from './test-service';
import { waitFor } from './wait-for';

/** A UTILITY template whose body takes two parameters: `Hi {{1}}, order {{2}} is ready.` */
export const orderReady = (wabaId: string, name = 'order_ready') => ({
  wabaId,
  name,
  language: 'en_US',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: 'Hi {{1}}, order {{2}} is ready.', example: { bodyText: [['Ana', 'A-17']] } }],
});

/**
 * Creates a template through `POST /v1/templates` and resolves once Meta's review (the sandbox's)
 * has given it `status` here: APPROVED, or REJECTED for a name starting with `reject_`.
 */
export async function reviewedTemplate(
  service: TestService,
  key: string,
  body: Record<string, unknown>,
  status: 'APPROVED' | 'REJECTED' = 'APPROVED',
) {
  const created = await service.api.POST('/v1/templates', { headers: bearer(key), body: body as never });
  if (!created.data) {
    throw new Error(`creating a template failed: ${JSON.stringify(created.error)}`);
  }
  const templateId = created.data.data.id;
  return waitFor(`template ${String(body.name)} to be ${status}`, async () => {
    const result = await service.api.GET('/v1/templates/{templateId}', {
      headers: bearer(key),
      params: { path: { templateId } },
    });
    return result.data?.data.status === status ? result.data.data : undefined;
  });
}
