/**
 * CustomerEdge with `customDomainCertificateArn`: one deploy serves both hosts. The CloudFront
 * construct's own properties are asserted in custom-domain-edge.spec.ts; here, the wiring.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIGURATIONS, EDGE_CERT, SECRET_ARN, synthesizeEdge, type SynthesizedEdge } from './support';

let both: SynthesizedEdge;
let plain: SynthesizedEdge;

beforeAll(async () => {
  both = await synthesizeEdge(CONFIGURATIONS.customDomain);
  plain = await synthesizeEdge(CONFIGURATIONS.importedSecret);
}, 120_000);

afterAll(() => {
  both?.cleanup();
  plain?.cleanup();
});

it('adds one CloudFront distribution for <domainName> with the us-east-1 certificate', () => {
  both.template.resourceCountIs('AWS::CloudFront::Distribution', 1);
  both.template.hasResourceProperties('AWS::CloudFront::Distribution', {
    DistributionConfig: Match.objectLike({
      Aliases: ['auth.example.com'],
      ViewerCertificate: Match.objectLike({ AcmCertificateArn: EDGE_CERT }),
    }),
  });
});

it('sends the same secret as the proxy, through a dynamic reference to the imported secret', () => {
  const json = JSON.stringify(both.template.toJSON());
  expect(json).toContain(`{{resolve:secretsmanager:${SECRET_ARN}:SecretString:::}}`);
});

it('the mTLS proxy sends true-client-ip, the header the custom domain uses for both hosts', () => {
  both.template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ CLIENT_IP_HEADER: 'true-client-ip' }) },
  });
});

it('creates the alias records of <domainName> in the hosted zone and outputs CustomDomainEdge', () => {
  both.template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'auth.example.com.', Type: 'A' });
  both.template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'auth.example.com.', Type: 'AAAA' });
  both.template.hasOutput('CustomDomainEdge', {
    Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CustomDomain'), 'DomainName'] },
  });
});

it('cdk-nag AwsSolutions: zero unacknowledged findings with the custom domain edge', () => {
  const report = new AwsSolutionsChecks().validateScope(both.stack);
  expect(report.violations.map((v) => v.ruleName)).toEqual([]);
});

it('without the key there is no CloudFront, no CustomDomainEdge output, and x-forwarded-for stays the default', () => {
  plain.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
  plain.template.resourceCountIs('AWS::CloudFront::Function', 0);
  expect(Object.keys(plain.template.toJSON().Outputs)).not.toContain('CustomDomainEdge');
  plain.template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ CLIENT_IP_HEADER: 'x-forwarded-for' }) },
  });
});
