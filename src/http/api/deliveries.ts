import { Router, type Request, type Response } from 'express';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../audit/record.js';
import { DispatchError } from '../../core/errors.js';
import { retryDelivery, type RetryDeps } from './retry.js';

const STATUSES = DELIVERY_STATUSES;

const one = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `/api/deliveries`: the audit trail, newest first, and retry of failed deliveries. */
export function deliveriesRouter(deps: RetryDeps): Router {
  const r = Router();
  r.get('/deliveries', async (req: Request, res: Response) => {
    const status = one(req.query.status);
    if (status && !STATUSES.includes(status as DeliveryStatus)) {
      throw new DispatchError('bad_filter', `status must be one of ${STATUSES.join(', ')}`, 400);
    }
    const limit = one(req.query.limit) ? Number(req.query.limit) : 50;
    const before = one(req.query.before) ? Date.parse(String(req.query.before)) : undefined;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new DispatchError('bad_filter', 'limit must be a whole number from 1 to 500', 400);
    if (before !== undefined && Number.isNaN(before))
      throw new DispatchError('bad_filter', 'before must be an ISO time, e.g. 2024-05-01T12:00:00Z', 400);
    const host = one(req.query.host);
    const repo = one(req.query.repo);
    const deliveries = await deps.audit.list({
      limit,
      ...(host ? { host } : {}),
      ...(repo ? { repo } : {}),
      ...(status ? { status: status as DeliveryStatus } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    res.json({ deliveries });
  });
  r.get('/deliveries/:id', async (req: Request<{ id: string }>, res: Response) => {
    const rec = await deps.audit.get(req.params.id);
    if (!rec)
      throw new DispatchError(
        'not_found',
        `no delivery "${req.params.id}" in the audit trail (it may be past its retention): list deliveries with GET /api/deliveries`,
        404,
      );
    res.json(rec);
  });
  r.post('/deliveries/:id/retry', async (req: Request<{ id: string }>, res: Response) => {
    const q = await retryDelivery(deps, req.params.id);
    res.status(202).json({ status: 'queued', id: req.params.id, ...q });
  });
  return r;
}
