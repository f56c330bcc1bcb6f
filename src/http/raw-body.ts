import type { IncomingMessage } from 'node:http';
import { WebhookError } from '../core/errors.js';

/**
 * Reads the raw request bytes (signatures are computed over them, never over re-serialised
 * JSON), stopping at `limit` so a huge body cannot exhaust memory. Past the limit (declared or
 * streamed) the rest is not read: the caller answers 413 and closes the connection.
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // A client that goes away mid-body (or is cut off by requestTimeout) ends nothing: settle.
    req.on('close', () => {
      if (!req.complete)
        reject(
          new WebhookError(
            400,
            'body_incomplete',
            'the request body ended before Content-Length was reached: the client went away or was too slow (http.requestTimeout)',
          ),
        );
    });
  });
}

function tooLarge(limit: number): WebhookError {
  return new WebhookError(
    413,
    'body_too_large',
    `webhook body exceeds ${limit} bytes (maxBodyBytes in the config): raise the limit or send smaller payloads`,
  );
}
