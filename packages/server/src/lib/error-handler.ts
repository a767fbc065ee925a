import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, errorStatus, type ErrorBody } from '@openums/protocol';
import { isDatabaseUnavailable, isTransactionConflict } from '../db/errors.js';
import { AppError } from './errors.js';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "body.name must NOT have more than 100 characters", "body has unknown field 'x'". */
export function describeValidation(part: string, issue: AjvIssue): { field: string; message: string } {
  const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const field = path ? `${part}.${path}` : part;
  switch (issue.keyword) {
    case 'additionalProperties':
      return {
        field: `${field}.${String(issue.params.additionalProperty)}`,
        message: `${field} has unknown field '${String(issue.params.additionalProperty)}'`,
      };
    case 'required':
      return {
        field: `${field}.${String(issue.params.missingProperty)}`,
        message: `${field}.${String(issue.params.missingProperty)} is required`,
      };
    case 'anyOf':
      return { field, message: `${field} has an invalid value` };
    default:
      return { field, message: `${field} ${issue.message ?? 'is invalid'}` };
  }
}

/** The single place where failures become `{ error: { code, message, details? } }`. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let status: number;
    let body: ErrorBody;
    if (err instanceof AppError) {
      status = err.status;
      body = { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
      if (err.headers) reply.headers(err.headers);
    } else if ('validation' in err && err.validation) {
      const issues = (err.validation as AjvIssue[]).map((i) => describeValidation(err.validationContext ?? 'request', i));
      status = 400;
      body = { error: { code: ErrorCode.ValidationFailed, message: issues.map((i) => i.message).join('; '), details: { issues } } };
    } else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
      status = 400;
      body = { error: { code: ErrorCode.InvalidJson, message: `Request body is not valid JSON: ${err.message}` } };
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { error: { code: ErrorCode.PayloadTooLarge, message: 'Request body is too large' } };
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415;
      body = {
        error: {
          code: ErrorCode.UnsupportedMediaType,
          message: `Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted; send application/json`,
        },
      };
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Other framework 4xx (a bad Content-Length, …): the code that belongs to the status.
      status = err.statusCode;
      const code = status === 400 ? ErrorCode.ValidationFailed : (FRAMEWORK_CODES[status] ?? ErrorCode.BadRequest);
      body = { error: { code, message: err.message } };
    } else if (isDatabaseUnavailable(err)) {
      // Not a fault of this request: the database is down or restarting. Retryable, so 503.
      req.log.warn({ err: err.message }, 'request failed: the database is unavailable');
      status = 503;
      reply.header('retry-after', '5');
      body = { error: { code: ErrorCode.DatabaseUnavailable, message: 'The database is unavailable; try again in a few seconds' } };
    } else if (isTransactionConflict(err)) {
      // A deadlock that kept recurring through db/transaction.ts's runs (or a statement outside a
      // transaction): the change was rolled back, and sending it again is the remedy.
      req.log.warn({ err: err.message }, 'request failed: the database cancelled it to resolve a lock conflict');
      status = 503;
      reply.header('retry-after', '1');
      body = {
        error: { code: ErrorCode.DatabaseConflict, message: 'The change collided with another one and was not applied; send it again' },
      };
    } else {
      // Details of server faults go to the log, never to the client.
      req.log.error({ err }, 'request failed');
      status = 500;
      body = { error: { code: ErrorCode.Internal, message: 'Internal server error; see the server log' } };
    }
    return reply.code(status).send(body);
  });
}

/** Codes for statuses the framework and Node's HTTP parser produce on their own. */
const FRAMEWORK_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BadRequest,
  408: ErrorCode.RequestTimeout,
  413: ErrorCode.PayloadTooLarge,
  414: ErrorCode.UriTooLong,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  431: ErrorCode.HeadersTooLarge,
};

/**
 * Fastify's `frameworkErrors`: failures found before a route is chosen (a path that is not
 * valid percent-encoding, an overlong path parameter). Same envelope as every other error.
 */
export function frameworkErrorHandler(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const code =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? ErrorCode.UriTooLong
      : err.statusCode && err.statusCode >= 500
        ? ErrorCode.Internal
        : ErrorCode.BadRequest;
  const message =
    code === ErrorCode.UriTooLong
      ? 'A path segment of the URL is too long'
      : code === ErrorCode.BadRequest
        ? 'The URL path is not valid percent-encoded UTF-8'
        : 'Internal server error; see the server log';
  void reply
    .code(errorStatus[code])
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ error: { code, message } } satisfies ErrorBody));
}

/**
 * Node's `clientError`: requests its HTTP parser refuses before Fastify sees them (headers too
 * large, a malformed request line, an unknown method, a timeout). Answered with the envelope,
 * then the connection is closed as Node itself would.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ErrorCode.HeadersTooLarge
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ErrorCode.RequestTimeout
        : ErrorCode.BadRequest;
  const message =
    code === ErrorCode.HeadersTooLarge
      ? 'Request headers are too large'
      : code === ErrorCode.RequestTimeout
        ? 'The request was not received in time'
        : 'Malformed HTTP request';
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  const status = errorStatus[code];
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status] ?? 'Error';
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
