/**
 * The distribution-spec's error body (spec.md "Error Codes"): `{"errors":[{code, message,
 * detail}]}`. Routes throw `RegistryError`; the service's error handler writes the body.
 */

/** The codes of distribution-spec v1.1 "Error Codes" (code-1 … code-14). */
export type OciErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS';

export class RegistryError extends Error {
  readonly status: number;
  readonly code: OciErrorCode;
  readonly detail: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: OciErrorCode, message: string, detail?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'RegistryError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.headers = headers;
  }
}

export function errorBody(code: string, message: string, detail?: unknown): { errors: { code: string; message: string; detail?: unknown }[] } {
  return { errors: [detail === undefined ? { code, message } : { code, message, detail }] };
}
