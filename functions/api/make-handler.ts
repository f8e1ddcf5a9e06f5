// api: alerts, acks, silences, runbooks and executions over HTTP (IAM-authorized in AWS, localhost locally).
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DetailType } from '../core/bus';
import { matchers as matchersSchema } from '../core/config/schema';
import { ConflictError, issuesFromZod, NotFoundError, ValidationError } from '../core/errors';
import { uuidFromKey } from '../core/ids';
import { newExecutionRecord, planManual } from '../core/runbooks/execution';
import { notifyExecution } from '../core/runbooks/lifecycle';
import { errorResult, type HttpEvent, header, json, jsonBody, principalOf } from '../lib/http';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import { runbookContext } from '../lib/runbook-context';
import type { Runtime } from '../lib/runtime';
import type { Silence } from '../ports';
import { matchRoute } from './routes';

const silenceBody = z
  .strictObject({
    matchers: matchersSchema.refine((m) => Object.keys(m).length > 0, 'at least one matcher is required'),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    /** Alternative to endsAt, e.g. "2h". */
    duration: z
      .string()
      .regex(/^\d+(m|h|d)$/, 'must be like 30m, 2h or 1d')
      .optional(),
    createdBy: z.string().min(1).max(256).optional(),
    comment: z.string().min(1, 'say why the silence exists').max(1024),
  })
  .refine((b) => b.endsAt || b.duration, { message: 'endsAt or duration is required', path: ['endsAt'] });

const runBody = z.strictObject({
  parameters: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  targets: z.array(z.strictObject({ key: z.string().min(1), values: z.array(z.string().min(1)).min(1) })).optional(),
  reason: z.string().max(1024).optional(),
});

const ackBody = z.strictObject({ by: z.string().min(1).max(256).optional(), comment: z.string().max(1024).optional() });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError('invalid request body', issuesFromZod(r.error.issues));
  return r.data;
}

function optionalBody(event: HttpEvent): unknown {
  return event.body ? jsonBody(event) : {};
}

const DURATION_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function makeHandler(rt: Runtime) {
  const ops: Record<string, (event: HttpEvent, params: Record<string, string>) => Promise<ReturnType<typeof json>>> = {
    async health() {
      return json(200, { status: 'ok', service: 'runwatch', stage: rt.stage, time: rt.clock.now().toISOString() });
    },
    async listAlerts(event) {
      const status = event.queryStringParameters?.status;
      if (status && status !== 'firing' && status !== 'resolved') {
        throw new ValidationError('invalid query', [{ path: 'status', message: 'must be firing or resolved' }]);
      }
      const alerts = (await rt.store.listAlerts()).filter((a) => !status || a.status === status);
      return json(200, { alerts });
    },
    async getAlert(_e, p) {
      const alert = await rt.store.getAlert(p.id ?? '');
      if (!alert) throw new NotFoundError(`alert ${p.id}`);
      return json(200, alert);
    },
    async ackAlert(event, p) {
      const body = parse(ackBody, optionalBody(event));
      const by = body.by ?? principalOf(event);
      const alert = await rt.store.ackAlert(p.id ?? '', by, rt.clock.now().toISOString());
      if (!alert) throw new NotFoundError(`alert ${p.id}`);
      count(rt.metrics, 'AlertsAcked');
      return json(200, alert);
    },
    async listSilences() {
      return json(200, { silences: await rt.store.listSilences() });
    },
    async createSilence(event) {
      const body = parse(silenceBody, jsonBody(event));
      const now = rt.clock.now();
      const startsAt = body.startsAt ?? now.toISOString();
      let endsAt = body.endsAt;
      if (!endsAt && body.duration) {
        const unit = body.duration.slice(-1) as keyof typeof DURATION_MS;
        endsAt = new Date(Date.parse(startsAt) + Number(body.duration.slice(0, -1)) * DURATION_MS[unit]).toISOString();
      }
      if (!endsAt || Date.parse(endsAt) <= Date.parse(startsAt)) {
        throw new ValidationError('invalid silence', [{ path: 'endsAt', message: 'must be after startsAt' }]);
      }
      const silence: Silence = {
        id: rt.newId(),
        matchers: body.matchers,
        startsAt,
        endsAt,
        createdBy: body.createdBy ?? principalOf(event),
        comment: body.comment,
        createdAt: now.toISOString(),
      };
      await rt.store.putSilence(silence);
      count(rt.metrics, 'SilencesCreated');
      return json(201, silence);
    },
    async listRunbooks() {
      return json(200, {
        runbooks: rt.config.runbooks.map((r) => ({
          name: r.name,
          description: r.description,
          document: r.document,
          kind: r.kind,
          approval: r.approval,
          parameters: r.parameters,
          targets: r.targets ?? [],
        })),
      });
    },
    async startRunbook(event, p) {
      const runbook = rt.config.runbooks.find((r) => r.name === p.name);
      if (!runbook) throw new NotFoundError(`runbook ${p.name}`);
      const body = parse(runBody, optionalBody(event));
      const principal = principalOf(event);
      const key = header(event, 'idempotency-key');
      // With an Idempotency-Key the same request always maps to the same execution; without, each call is new.
      const id = key ? uuidFromKey(`api:${runbook.name}:${key}`) : rt.newId();
      const plan = planManual(runbook, body, id, principal);
      const ctx = runbookContext(rt);
      const record = newExecutionRecord(plan, ctx.now.toISOString());
      const created = await rt.store.createExecution(record);
      if (!created) {
        const existing = await rt.store.getExecution(id);
        // A retry after a lost publish: asking again is safe, the start itself is claimed exactly once.
        if (existing?.status === 'Pending') {
          await rt.bus.publish([{ detailType: DetailType.runbookRequested, detail: { executionId: id } }]);
        }
        // ...and a retry after a failed approval request re-tells it (the notification log stops repeats).
        if (existing?.status === 'PendingApproval') await notifyExecution(runbookContext(rt), existing);
        return json(200, existing);
      }
      count(rt.metrics, 'ExecutionsRequested');
      if (record.status === 'PendingApproval') await notifyExecution(ctx, record);
      else await rt.bus.publish([{ detailType: DetailType.runbookRequested, detail: { executionId: id } }]);
      return json(202, record);
    },
    async listExecutions() {
      return json(200, { executions: await rt.store.listExecutions() });
    },
    async getExecution(_e, p) {
      const execution = await rt.store.getExecution(p.id ?? '');
      if (!execution) throw new NotFoundError(`execution ${p.id}`);
      return json(200, execution);
    },
    async approveExecution(event, p) {
      const id = p.id ?? '';
      const principal = principalOf(event);
      const updated = await rt.store.updateExecution(
        id,
        { status: 'Pending', approvedBy: principal, updatedAt: rt.clock.now().toISOString() },
        ['PendingApproval'],
      );
      if (!updated) {
        const existing = await rt.store.getExecution(id);
        if (!existing) throw new NotFoundError(`execution ${id}`);
        if (existing.approvedBy) {
          // A retry after a lost publish: asking again is safe, the start itself is claimed exactly once.
          if (existing.status === 'Pending') {
            await rt.bus.publish([{ detailType: DetailType.runbookApproved, detail: { executionId: id } }]);
          }
          return json(200, existing);
        }
        throw new ConflictError(`execution ${id} is ${existing.status}, not waiting for approval`);
      }
      count(rt.metrics, 'ExecutionsApproved');
      await rt.bus.publish([{ detailType: DetailType.runbookApproved, detail: { executionId: id } }]);
      return json(202, updated);
    },
    async rejectExecution(event, p) {
      const id = p.id ?? '';
      const updated = await rt.store.updateExecution(
        id,
        {
          status: 'Rejected',
          statusDetail: `rejected by ${principalOf(event)}`,
          updatedAt: rt.clock.now().toISOString(),
        },
        ['PendingApproval'],
      );
      if (!updated) {
        const existing = await rt.store.getExecution(id);
        if (!existing) throw new NotFoundError(`execution ${id}`);
        throw new ConflictError(`execution ${id} is ${existing.status}, not waiting for approval`);
      }
      await notifyExecution(runbookContext(rt), updated);
      return json(200, updated);
    },
  };

  return withObservability(rt, async (event: HttpEvent, context: Context) => {
    rt.logger.setCorrelationId(
      header(event, 'x-correlation-id') ?? event.requestContext?.requestId ?? context.awsRequestId,
    );
    count(rt.metrics, 'Requests');
    try {
      if (!event?.requestContext?.http) {
        throw new ValidationError('not an HTTP API event', [{ path: 'requestContext.http', message: 'required' }]);
      }
      const route = matchRoute(event);
      if ('notFound' in route) {
        return route.allowed.length
          ? json(
              405,
              { error: `method not allowed; use ${route.allowed.join(', ')}` },
              { allow: route.allowed.join(', ') },
            )
          : json(404, { error: `no route for ${event.requestContext.http.method} ${event.rawPath}` });
      }
      const op = ops[route.operation];
      if (!op) return json(404, { error: 'no such operation' });
      return await op(event, route.params);
    } catch (e) {
      if (e instanceof ValidationError) count(rt.metrics, 'RequestsRejected');
      else if (!(e instanceof NotFoundError) && !(e instanceof ConflictError))
        rt.logger.error('request failed', e as Error);
      return errorResult(e, context.awsRequestId);
    }
  });
}
