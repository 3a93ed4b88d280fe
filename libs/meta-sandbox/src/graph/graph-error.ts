import { randomChunk } from '../state/ids';

export type GraphErrorType = 'OAuthException' | 'GraphMethodException';

export interface GraphErrorBody {
  error: {
    message: string;
    type: GraphErrorType;
    code: number;
    error_subcode?: number;
    is_transient?: boolean;
    error_data: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

/** The error object Meta puts in `statuses[].errors[]` and `messages[].errors[]`. */
export interface WebhookErrorObject {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

interface GraphErrorOptions {
  /** Meta documents no status mapping; 400 unless a case is known to differ. */
  httpStatus?: number;
  type?: GraphErrorType;
  subcode?: number;
  transient?: boolean;
}

const ERROR_CODES_PAGE = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

export function newTraceId(): string {
  return randomChunk(17).toString('base64url').slice(0, 23);
}

/** A Graph API failure, rendered as Meta's error object. */
export class GraphError extends Error {
  readonly httpStatus: number;

  constructor(
    readonly code: number,
    readonly title: string,
    readonly details: string,
    private readonly options: GraphErrorOptions = {},
  ) {
    super(`(#${code}) ${title}`);
    this.httpStatus = options.httpStatus ?? 400;
  }

  toBody(traceId: string): GraphErrorBody {
    return {
      error: {
        message: this.message,
        type: this.options.type ?? 'OAuthException',
        code: this.code,
        ...(this.options.subcode !== undefined && { error_subcode: this.options.subcode }),
        ...(this.options.transient !== undefined && { is_transient: this.options.transient }),
        error_data: { messaging_product: 'whatsapp', details: this.details },
        fbtrace_id: traceId,
      },
    };
  }

  toWebhookError(): WebhookErrorObject {
    return {
      code: this.code,
      title: this.title,
      message: this.title,
      error_data: { details: this.details },
      href: ERROR_CODES_PAGE,
    };
  }
}

/** Meta's errors as the sandbox raises them; titles follow Meta's error-codes page. */
export const GraphErrors = {
  invalidParameter: (details: string, subcode?: number) =>
    new GraphError(100, 'Invalid parameter', details, { subcode }),
  missingParameter: (details: string) => new GraphError(131008, 'Required parameter is missing', details),
  invalidParameterValue: (details: string) => new GraphError(131009, 'Parameter value is not valid', details),

  invalidToken: () =>
    new GraphError(
      190,
      'Invalid OAuth access token - Cannot parse access token',
      'The access token is unknown to Meta.',
      {
        httpStatus: 401,
      },
    ),
  missingToken: () =>
    new GraphError(104, 'An access token is required to request this resource.', 'No access token was given.', {
      httpStatus: 400,
    }),
  clientSecretInvalid: () =>
    new GraphError(1, 'Error validating client secret.', 'The client_secret is not the app secret.'),
  permissionDenied: (id: string) =>
    new GraphError(200, 'Permissions error', `The access token has no permission on object ${id}.`, {
      httpStatus: 403,
    }),
  unknownObject: (method: string, id: string) =>
    new GraphError(
      100,
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
      'Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
      { type: 'GraphMethodException', subcode: 33 },
    ),
  unknownPath: (path: string) => new GraphError(100, `Unknown path components: ${path}`, 'No such Graph API route.'),
  nonexistingField: (field: string, nodeType: string) =>
    new GraphError(
      100,
      `Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
      `The field ${field} does not exist on ${nodeType}.`,
    ),

  throughputExceeded: () =>
    new GraphError(130429, 'Rate limit hit', 'Cloud API message throughput has been reached.', { subcode: 2494055 }),
  pairRateLimit: () =>
    new GraphError(
      131056,
      '(Business Account, Consumer Account) pair rate limit hit',
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
    ),
  reEngagement: () =>
    new GraphError(
      131047,
      'Re-engagement message',
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    ),
  undeliverable: () =>
    new GraphError(
      131026,
      'Message undeliverable',
      'Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; the recipient has not accepted the new Terms of Service; the recipient is using an old WhatsApp version.',
    ),
  sendFailed: () =>
    new GraphError(131000, 'Something went wrong', 'Message failed to send due to an unknown error.', {
      httpStatus: 500,
      transient: true,
    }),
  mediaUnavailable: (mediaId: string) =>
    new GraphError(131053, 'Media upload error', `Unable to retrieve media ${mediaId} for this message.`),
  unsupportedInbound: () => new GraphError(131051, 'Message type unknown', 'Message type is currently not supported.'),

  notRegistered: () =>
    new GraphError(133010, 'Account not registered', 'Phone number not registered on the Whatsapp Business Platform.'),
  pinMismatch: () =>
    new GraphError(
      133005,
      'Two step verification PIN Mismatch',
      'The PIN does not match the two-step verification PIN.',
    ),

  templateParameterCount: (details: string) =>
    new GraphError(132000, 'Number of parameters does not match the expected number of params', details),
  templateMissing: (name: string, language: string) =>
    new GraphError(
      132001,
      'Template name does not exist in the translation',
      `template name (${name}) does not exist in ${language}`,
    ),
  templatePaused: (name: string) =>
    new GraphError(132015, 'Template is Paused', `Template ${name} is paused due to low quality.`),
  templateDisabled: (name: string) =>
    new GraphError(132016, 'Template is Disabled', `Template ${name} has been disabled due to low quality.`),

  internal: () =>
    new GraphError(1, 'An unknown error occurred', 'The sandbox failed to handle the request.', {
      httpStatus: 500,
      transient: true,
    }),
};
