import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphError, GraphErrors, newTraceId } from './graph-error';

/** Meta accepts up to a few MB in JSON and 100 MB in media uploads. */
const MAX_BODY_BYTES = 110 * 1024 * 1024;

export interface GraphRequest {
  method: string;
  /** Path segments after the optional `vNN.N`, e.g. `['1234', 'messages']`. */
  segments: string[];
  /** `v25.0`, or undefined for unversioned calls. */
  version?: string;
  query: URLSearchParams;
  token?: string;
  /** JSON or form fields. Multipart text fields land here too. */
  body: Record<string, unknown>;
  /** Multipart file parts, by field name. */
  files: Map<string, { bytes: Buffer; mimeType: string; filename?: string }>;
}

export async function readGraphRequest(request: IncomingMessage): Promise<GraphRequest> {
  const url = new URL(request.url ?? '/', 'http://sandbox');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const version = parts[0] && /^v\d+\.\d+$/.test(parts[0]) ? parts.shift() : undefined;
  const raw = await readBody(request);
  const graphRequest: GraphRequest = {
    method: (request.method ?? 'GET').toUpperCase(),
    segments: parts,
    version,
    query: url.searchParams,
    token: bearerToken(request.headers.authorization) ?? url.searchParams.get('access_token') ?? undefined,
    body: {},
    files: new Map(),
  };
  const contentType = request.headers['content-type'] ?? '';
  if (raw.length === 0) {
    return graphRequest;
  }
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') {
        graphRequest.body[name] = value;
      } else {
        const file = value as File;
        graphRequest.files.set(name, {
          bytes: Buffer.from(await file.arrayBuffer()),
          mimeType: file.type,
          filename: file.name,
        });
      }
    }
  } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
    graphRequest.body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  } else {
    graphRequest.body = parseJsonObject(raw);
  }
  return graphRequest;
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw GraphErrors.invalidParameter('The request body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw GraphErrors.invalidParameter('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match?.[1].trim();
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw GraphErrors.invalidParameter('The request body is too large.');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function graphHeaders(apiVersion: string): Record<string, string> {
  return {
    'facebook-api-version': apiVersion,
    'x-fb-trace-id': newTraceId(),
    'x-fb-request-id': newTraceId(),
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

export function sendGraphError(response: ServerResponse, error: GraphError, headers: Record<string, string>): void {
  sendJson(response, error.httpStatus, error.toBody(headers['x-fb-trace-id'] ?? newTraceId()), headers);
}
