// Reading a JSON request body (with a size limit) and writing JSON responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function readJsonBody(
  req: IncomingMessage,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new ApiError('PORIN_ERR_PAYLOAD_TOO_LARGE', `request body is larger than ${maxBytes} bytes`, 413);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError('PORIN_ERR_BAD_REQUEST', 'a JSON request body is required', 400);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(
      'PORIN_ERR_BAD_REQUEST',
      `request body is not valid JSON: ${(e as Error).message}`,
      400,
    );
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
