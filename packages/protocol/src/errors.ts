/**
 * Stable error codes of the REST API. Clients (the web app, scripts) branch on these,
 * never on messages, so a code is never renamed once released.
 */
export const ErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  InvalidJson: 'INVALID_JSON',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  InvalidCursor: 'INVALID_CURSOR',
  Unauthenticated: 'UNAUTHENTICATED',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  CsrfTokenInvalid: 'CSRF_TOKEN_INVALID',
  Forbidden: 'FORBIDDEN',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  DeviceNotFound: 'DEVICE_NOT_FOUND',
  FolderNotFound: 'FOLDER_NOT_FOUND',
  DuplicateMac: 'DUPLICATE_MAC',
  FolderNameTaken: 'FOLDER_NAME_TAKEN',
  FolderNotEmpty: 'FOLDER_NOT_EMPTY',
  FolderCycle: 'FOLDER_CYCLE',
  EnrollmentKeyInvalid: 'ENROLLMENT_KEY_INVALID',
  CsrInvalid: 'CSR_INVALID',
  ClientCertificateRequired: 'CLIENT_CERTIFICATE_REQUIRED',
  ClientCertificateInvalid: 'CLIENT_CERTIFICATE_INVALID',
  CommandNotSupported: 'COMMAND_NOT_SUPPORTED',
  CommandNotFound: 'COMMAND_NOT_FOUND',
  EnrollmentKeyNotFound: 'ENROLLMENT_KEY_NOT_FOUND',
  DeviceAlreadyEnrolled: 'DEVICE_ALREADY_ENROLLED',
  ProfileNotFound: 'PROFILE_NOT_FOUND',
  FeatureDisabled: 'FEATURE_DISABLED',
  RateLimited: 'RATE_LIMITED',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  Internal: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status that belongs to each code; the server's error handler uses this table only. */
export const errorStatus: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_CURSOR: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  CSRF_TOKEN_INVALID: 403,
  FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  FOLDER_NOT_FOUND: 404,
  DUPLICATE_MAC: 409,
  FOLDER_NAME_TAKEN: 409,
  FOLDER_NOT_EMPTY: 409,
  FOLDER_CYCLE: 409,
  ENROLLMENT_KEY_INVALID: 401,
  CSR_INVALID: 400,
  CLIENT_CERTIFICATE_REQUIRED: 401,
  CLIENT_CERTIFICATE_INVALID: 401,
  COMMAND_NOT_SUPPORTED: 422,
  COMMAND_NOT_FOUND: 404,
  ENROLLMENT_KEY_NOT_FOUND: 404,
  DEVICE_ALREADY_ENROLLED: 409,
  PROFILE_NOT_FOUND: 404,
  FEATURE_DISABLED: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
