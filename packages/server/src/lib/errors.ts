import { ErrorCode, errorStatus } from '@openums/protocol';

/** A failure the API reports to its caller; the status comes from the code. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}

export const notFound = (code: ErrorCode, what: string, id: number | string) => new AppError(code, `${what} ${id} does not exist`);
