import { applyDecorators, HttpCode, HttpStatus, Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PageMetaDto, PaginationMetaDto } from '../pagination/page-meta.dto';
import { ErrorResponseDto } from './error-response.dto';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_ERROR: the request is malformed; `details` lists each bad field.',
  401: 'UNAUTHORIZED: credentials are missing, malformed, unknown, revoked or expired.',
  403: 'FORBIDDEN: the credential may not call this route (wrong kind of credential or missing scope).',
  404: 'NOT_FOUND: no such resource in your organization.',
  409: 'CONFLICT: the resource is in a state that does not allow this, or a request with this Idempotency-Key is in flight.',
  413: 'PAYLOAD_TOO_LARGE: the request body is over the limit.',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body, or the uploaded file, is of a type not accepted here.',
  422: 'IDEMPOTENCY_KEY_REUSED or a business rule failed; see `error.code`.',
  429: 'RATE_LIMITED: too many requests; retry after `Retry-After` seconds.',
  502: "META_ERROR: the WhatsApp Cloud API refused or failed the call; `details.metaCode` is Meta's code.",
  503: 'SERVICE_UNAVAILABLE: a dependency is unreachable; `details` says which.',
};

/** Documents the error envelope for the given statuses (all use `ErrorResponse`). */
export function ApiErrorResponses(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_DESCRIPTIONS[status] ?? 'Error', type: ErrorResponseDto }),
    ),
  );
}

function dataSchema(model: Type<unknown>, isArray: boolean) {
  const item = { $ref: getSchemaPath(model) };
  return isArray ? { type: 'array', items: item } : item;
}

/** A success response `{ data: Model }` with the given status. */
export function ApiDataResponse(
  model: Type<unknown>,
  options: { status?: number; description?: string; isArray?: boolean } = {},
) {
  const status = options.status ?? HttpStatus.OK;
  return applyDecorators(
    HttpCode(status),
    ApiExtraModels(model),
    ApiResponse({
      status,
      description: options.description ?? 'Success',
      schema: { type: 'object', required: ['data'], properties: { data: dataSchema(model, options.isArray ?? false) } },
    }),
  );
}

/** A keyset-paginated list `{ data: Model[], meta: { pagination } }`. */
export function ApiPageResponse(model: Type<unknown>, description = 'One page of results') {
  return applyDecorators(
    HttpCode(HttpStatus.OK),
    ApiExtraModels(model, PageMetaDto, PaginationMetaDto),
    ApiResponse({
      status: HttpStatus.OK,
      description,
      schema: {
        type: 'object',
        required: ['data', 'meta'],
        properties: { data: dataSchema(model, true), meta: { $ref: getSchemaPath(PageMetaDto) } },
      },
    }),
  );
}
