import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCode, type ErrorBody } from '@openums/protocol';
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
      return { field: `${field}.${String(issue.params.additionalProperty)}`, message: `${field} has unknown field '${String(issue.params.additionalProperty)}'` };
    case 'required':
      return { field: `${field}.${String(issue.params.missingProperty)}`, message: `${field}.${String(issue.params.missingProperty)} is required` };
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
      body = { error: { code: ErrorCode.UnsupportedMediaType, message: `Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted; send application/json` } };
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      body = { error: { code: status === 429 ? ErrorCode.RateLimited : ErrorCode.ValidationFailed, message: err.message } };
    } else {
      // Details of server faults go to the log, never to the client.
      req.log.error({ err }, 'request failed');
      status = 500;
      body = { error: { code: ErrorCode.Internal, message: 'Internal server error; see the server log' } };
    }
    return reply.code(status).send(body);
  });
}
