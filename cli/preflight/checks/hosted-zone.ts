/**
 * The hosted zone the stack writes `mtls.<domainName>` (and, with the CloudFront edge, `<domainName>`)
 * into: it must exist, be public, carry the name given in `hostedZoneName`, and be the zone the public
 * DNS actually asks (its name servers are the ones delegated to it).
 */
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { errorCode } from '../../../shared/errors';
import { awsFailure, errorName, fail, firstLine, pass, type PreflightCheck } from '../check';

function bare(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** DNS answers that mean "no such delegation", as opposed to "could not ask". */
const NOT_DELEGATED = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NODATA']);

export const hostedZone: PreflightCheck = {
  title: 'hosted zone',
  notApplicable: (config) =>
    config.hostedZone
      ? undefined
      : `none given (no DNS record is created: point ${config.mtlsDomainName} at the RegionalDomainName output yourself)`,
  async run(env) {
    const zone = env.config.hostedZone;
    if (!zone) return pass('none given');
    const mtls = env.config.mtlsDomainName;
    let name: string;
    let isPrivate: boolean;
    let nameServers: string[];
    try {
      const answer = await env.clients.route53().send(new GetHostedZoneCommand({ Id: zone.id }));
      name = bare(answer.HostedZone?.Name ?? '');
      isPrivate = answer.HostedZone?.Config?.PrivateZone === true;
      nameServers = (answer.DelegationSet?.NameServers ?? []).map(bare).sort();
    } catch (error) {
      if (errorName(error) === 'NoSuchHostedZone') {
        return fail(
          `${zone.id} does not exist in account ${env.account}`,
          'pass the id of the public hosted zone of your domain (aws route53 list-hosted-zones-by-name) with -c hostedZoneId=',
        );
      }
      return awsFailure(`hosted zone ${zone.id}`, 'route53:GetHostedZone', error, 'retry');
    }
    if (name !== zone.name) {
      return fail(
        `${zone.id} is ${name}, but hostedZoneName says ${zone.name} (the records would get wrong names)`,
        `-c hostedZoneName=${name}, or the id of the zone ${zone.name}`,
      );
    }
    if (isPrivate) {
      return fail(
        `${zone.id} (${name}) is a private zone: clients on the internet cannot resolve ${mtls}`,
        'pass the public hosted zone of your domain',
      );
    }
    if (!env.resolveNs) {
      return pass(`${zone.id} is the public zone ${name}; public delegation not checked (--no-dns)`);
    }
    let delegated: string[];
    try {
      delegated = (await env.resolveNs(name)).map(bare).sort();
    } catch (error) {
      const code = errorCode(error) ?? errorName(error);
      if (NOT_DELEGATED.has(code)) {
        return fail(
          `${name} has no public NS records (${code}): the zone is not delegated, so nobody resolves ${mtls} from it`,
          `set the NS records of ${name} at its parent zone or registrar to ${nameServers.join(' ')}`,
        );
      }
      return fail(
        `could not look up the public NS records of ${name} (${code}: ${firstLine(error)})`,
        'check your network and retry, or pass --no-dns to skip the public delegation check',
      );
    }
    const foreign = delegated.filter((ns) => !nameServers.includes(ns));
    if (delegated.length === 0 || foreign.length > 0) {
      return fail(
        `${name} is delegated to ${delegated.join(' ') || 'nothing'}, not (only) to this zone's name servers: resolvers asking ${foreign.join(' ') || 'them'} never see the records of ${zone.id}`,
        `set the NS records of ${name} at its parent zone or registrar to ${nameServers.join(' ')}, or pass the id of the zone that is delegated`,
      );
    }
    return pass(
      `${zone.id} is the public zone ${name}, delegated to its name servers; the stack writes ${mtls} into it`,
    );
  },
};
