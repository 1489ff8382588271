/**
 * The builder's event dispatch. One function serves three triggers, which may run at the same time (the
 * publication record in core.ts keeps concurrent builds correct):
 * - the registry table's DynamoDB stream (batched) and a daily schedule: rebuild, publish if changed,
 *   point the domain at the current version;
 * - a CloudFormation custom resource (`Truststore`): publish on deploy and return the `VersionId` that the
 *   domain's `mtls.version` uses. It never calls UpdateDomainName (on create the domain does not exist
 *   yet; on update CloudFormation applies the returned version) and it always returns the CURRENT version
 *   (the record's), so a redeploy never rolls back what the registry-driven builds published. The stack
 *   re-runs it whenever any property of the domain changes (lib/truststore.ts), so no CloudFormation
 *   update of the domain can re-apply a stale pinned version;
 * - a second custom resource (`TruststoreInspection`, after the domain): point the domain at the current
 *   version again (a registry-driven build may have published while CloudFormation was applying the
 *   deploy-time one) and report API Gateway's truststore warnings.
 */
import type {
  CloudFormationCustomResourceEvent,
  Context,
  DynamoDBStreamEvent,
  ScheduledEvent,
} from 'aws-lambda';
import { buildTruststore, pointDomainAtLatest, syncTruststore, type BuilderDeps } from './core';
import { BuilderMetric, INSPECT_ACTION } from '../../shared/contracts/truststore-builder';

/** CloudFormation accepts response bodies up to 4 KB: keep the reason short. */
const MAX_REASON = 1000;

export type BuilderEvent = CloudFormationCustomResourceEvent | DynamoDBStreamEvent | ScheduledEvent;

export interface CustomResourceResult {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

function isCustomResource(event: BuilderEvent): event is CloudFormationCustomResourceEvent {
  return typeof (event as CloudFormationCustomResourceEvent).ResponseURL === 'string';
}

/** What the custom resource answers (Data.VersionId), or a thrown error for FAILED. */
async function customResource(
  deps: BuilderDeps,
  event: CloudFormationCustomResourceEvent,
): Promise<Record<string, string>> {
  if (event.RequestType === 'Delete') {
    // The bucket and its versions are retained; the domain goes away with the stack.
    return {};
  }
  if (event.ResourceProperties.Action === INSPECT_ACTION) {
    const sync = await pointDomainAtLatest(deps);
    return { Warnings: String(sync.messages.length), VersionId: sync.versionId };
  }
  const build = await buildTruststore(deps);
  if (build.status !== 'refused') return { VersionId: build.versionId, Sha256: build.sha256 };
  const reasons = build.errors.map((e) => e.message).join('; ');
  if (event.RequestType === 'Update' && build.currentVersionId) {
    // Keep the live truststore (never a broken one); the failure metric has alarmed. Failing here would
    // also fail the rollback, which runs this same code.
    deps.log.error('deploy keeps the live truststore: the registry yields a truststore the checks refuse', {
      versionId: build.currentVersionId,
    });
    return { VersionId: build.currentVersionId };
  }
  throw new Error(`truststore refused, nothing published: ${reasons}`);
}

/** PUTs the custom resource's result to CloudFormation's pre-signed response URL. */
export async function respond(responseUrl: string, result: CustomResourceResult): Promise<void> {
  const body = JSON.stringify(result);
  const response = await fetch(responseUrl, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`CloudFormation response URL answered ${response.status}`);
}

export function createHandler(deps: BuilderDeps) {
  return async function handler(event: BuilderEvent, _context?: Context): Promise<unknown> {
    if (isCustomResource(event)) {
      const base = {
        // Stable: changing it would make CloudFormation delete the "old" resource.
        PhysicalResourceId: `s3://${deps.bucket}/${deps.key}`,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      };
      let result: CustomResourceResult;
      try {
        const data = await customResource(deps, event);
        result = { ...base, Status: 'SUCCESS', Data: data };
        deps.log.info('custom resource done', { requestType: event.RequestType, data });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        deps.log.error('custom resource failed', { requestType: event.RequestType, reason });
        if (event.ResourceProperties.Action !== INSPECT_ACTION) deps.metrics.count(BuilderMetric.Failures, 1);
        result = { ...base, Status: 'FAILED', Reason: reason.slice(0, MAX_REASON) };
      }
      await respond(event.ResponseURL, result);
      return result;
    }

    const trigger = 'Records' in event ? `registry stream (${event.Records.length} records)` : 'schedule';
    try {
      const outcome = await syncTruststore(deps);
      deps.log.info('truststore sync done', {
        trigger,
        status: outcome.build.status,
        domainUpdated: outcome.domain?.updated,
      });
      return { status: outcome.build.status };
    } catch (error) {
      // Transient (S3, DynamoDB, API Gateway): throw so the stream retries the batch.
      deps.metrics.count(BuilderMetric.Failures, 1);
      deps.log.error('truststore sync failed', {
        trigger,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };
}
