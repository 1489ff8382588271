/**
 * Every preflight check, in the order printed. A new check is one `PreflightCheck` (title, when it has
 * nothing to do, run) added here; a check that only one front door needs says so in `notApplicable`
 * (`frontDoor=alb` has no API Gateway: no account CloudWatch Logs role, no ownership verification).
 */
import type { PreflightCheck } from '../check';
import { apiGatewayCloudWatchRole, cdkBootstrap, lambdaConcurrency } from './account';
import { caBundle } from './ca-bundle';
import { customDomainCertificate, mtlsCertificate, ownershipVerificationCertificate } from './certificates';
import { hostedZone } from './hosted-zone';
import { cnameApiKeySecret, cnameApiKeySecretKey } from './secret';

export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  caBundle,
  mtlsCertificate,
  ownershipVerificationCertificate,
  customDomainCertificate,
  cdkBootstrap,
  apiGatewayCloudWatchRole,
  lambdaConcurrency,
  hostedZone,
  cnameApiKeySecret,
  cnameApiKeySecretKey,
];
