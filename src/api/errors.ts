import { ExitCode, RobofyError } from '../errors.js';

/** What the server said about a failed request, for messages and retry decisions. */
export interface ApiErrorInfo {
  status: number;
  apiCode?: string | undefined;
  detail?: string | undefined;
}

/** A request the API answered with an error status. */
export class ApiError extends RobofyError {
  readonly status: number;
  readonly apiCode: string | undefined;

  constructor(message: string, info: ApiErrorInfo, exitCode: ExitCode) {
    super(message, { code: info.apiCode ?? `HTTP_${info.status}`, exitCode });
    this.name = 'ApiError';
    this.status = info.status;
    this.apiCode = info.apiCode;
  }
}

/** A body that is not what the API documents: HTML from a proxy, truncated JSON, wrong types. */
export class MalformedResponseError extends RobofyError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(`malformed response from the API: ${message}`, {
      code: 'MALFORMED_RESPONSE',
      exitCode: ExitCode.Api,
      cause: options.cause,
    });
    this.name = 'MalformedResponseError';
  }
}

/** The connection failed, timed out or broke before a whole response arrived. */
export class NetworkError extends RobofyError {
  constructor(message: string, cause: unknown) {
    super(message, { code: 'NETWORK', exitCode: ExitCode.Api, cause });
    this.name = 'NetworkError';
  }
}

/**
 * Reads the vendor's error body, `{"message": ..., "error": {"code", "detail"}}`,
 * without trusting its shape: a proxy may send HTML instead.
 */
export function parseErrorBody(status: number, text: string): ApiErrorInfo {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status };
  }
  if (!isRecord(body)) return { status };
  const error = isRecord(body.error) ? body.error : {};
  const detail = firstString(error.detail, body.message);
  return { status, apiCode: firstString(error.code), detail: detail && oneLine(detail) };
}

/** Maps an error status to the exit code and a message that says what to do next. */
export function apiErrorFor(info: ApiErrorInfo, notFoundWhat: string | undefined): ApiError {
  const said = info.detail ? `: ${info.detail}` : '';
  const tag = `${info.status}${info.apiCode ? ` ${info.apiCode}` : ''}`;
  if (info.status === 401 || info.status === 403) {
    return new ApiError(
      `the API rejected the key (${tag}${said}); run \`robofy login\` with a valid key, or set ROBOFY_TOKEN`,
      info,
      ExitCode.Auth,
    );
  }
  if (info.status === 404) {
    return new ApiError(`${notFoundWhat ?? 'resource'} not found (${tag}${said})`, info, ExitCode.NotFound);
  }
  if (info.status === 400 || info.status === 422) {
    return new ApiError(`the API refused the request (${tag}${said})`, info, ExitCode.Usage);
  }
  return new ApiError(`the API failed (${tag}${said})`, info, ExitCode.Api);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value;
  return undefined;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
