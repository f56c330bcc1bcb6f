import type { IncomingMessage } from 'node:http';
import { WebhookError } from '../core/errors.js';

/**
 * Reads the raw request bytes (signatures are computed over them, never over re-serialised
 * JSON), stopping at `limit` so a huge body cannot exhaust memory.
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limit: number): WebhookError {
  return new WebhookError(413, 'body_too_large', `webhook body exceeds ${limit} bytes (maxBodyBytes in the config): raise the limit or send smaller payloads`);
}
