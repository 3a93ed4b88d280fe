/** What our API answers, loosely typed for raw `fetch` calls that the typed client cannot express. */
export interface JsonBody {
  data: { id: string; [field: string]: unknown };
  error: {
    code: string;
    message: string;
    details: { field: string; message: string }[];
    requestId: string;
  };
  openapi: string;
  paths: Record<string, unknown>;
}

export async function readJson(response: Response): Promise<JsonBody> {
  return (await response.json()) as JsonBody;
}
