/**
 * The alias record of a front door's domain in the operator's hosted zone (`hostedZoneId` and
 * `hostedZoneName`): one A record, `<domain>.`, pointing at the front door.
 */
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { HostedZoneConfig } from './config';

/** Adds `Zone` (the zone, imported: never created) and `Alias` (the record) under `scope`. */
export function aliasRecord(
  scope: Construct,
  hostedZone: HostedZoneConfig,
  domainName: string,
  target: route53.IAliasRecordTarget,
): route53.ARecord {
  const zone = route53.HostedZone.fromHostedZoneAttributes(scope, 'Zone', {
    hostedZoneId: hostedZone.id,
    zoneName: hostedZone.name,
  });
  return new route53.ARecord(scope, 'Alias', {
    zone,
    recordName: `${domainName}.`,
    target: route53.RecordTarget.fromAlias(target),
  });
}
