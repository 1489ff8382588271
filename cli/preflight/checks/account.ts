/**
 * Account and region settings the deployment depends on but the template cannot see: the CDK bootstrap
 * stack, API Gateway's account-level CloudWatch Logs role, and Lambda's concurrency.
 */
import { GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { awsFailure, fail, firstLine, pass, type PreflightCheck } from '../check';
import {
  COMFORTABLE_CONCURRENCY_LIMIT,
  MIN_BOOTSTRAP_VERSION,
  MIN_UNRESERVED_CONCURRENCY,
  STACK_RESERVED_CONCURRENCY,
} from '../requirements';

/** Stack states in which the bootstrap resources exist and work. */
const USABLE_STACK_STATES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

function bootstrapCommand(account: string, region: string): string {
  return `npx cdk bootstrap aws://${account}/${region} with the same -c keys (docs/deploy.md#bootstrap)`;
}

/** The CDK bootstrap stack, recent enough for this aws-cdk-lib, with the app's qualifier. */
export const cdkBootstrap: PreflightCheck = {
  title: 'CDK bootstrap',
  async run(env) {
    const { account, config, toolkitStackName: name } = env;
    const fix = bootstrapCommand(account, config.region);
    let stack: Stack | undefined;
    try {
      const answer = await env.clients
        .cloudFormation(config.region)
        .send(new DescribeStacksCommand({ StackName: name }));
      stack = answer.Stacks?.[0];
    } catch (error) {
      if (/does not exist/i.test(firstLine(error))) {
        return fail(`no ${name} stack in ${account}/${config.region}`, fix);
      }
      return awsFailure(`${name} stack`, 'cloudformation:DescribeStacks', error, fix);
    }
    if (!stack) return fail(`no ${name} stack in ${account}/${config.region}`, fix);
    const status = stack.StackStatus ?? 'UNKNOWN';
    if (!USABLE_STACK_STATES.has(status)) {
      return fail(
        `${name} in ${account}/${config.region} is ${status}`,
        `see its events (aws cloudformation describe-stack-events --region ${config.region} --stack-name ${name}); when it has failed, delete it and run ${fix}`,
      );
    }
    const output = stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue;
    const version = Number(output);
    if (!Number.isInteger(version)) {
      return fail(`${name} in ${account}/${config.region} has no BootstrapVersion output`, fix);
    }
    if (version < MIN_BOOTSTRAP_VERSION) {
      return fail(
        `${name} in ${account}/${config.region} is version ${version}; this app needs ${MIN_BOOTSTRAP_VERSION} or later`,
        fix,
      );
    }
    const qualifier = stack.Parameters?.find((p) => p.ParameterKey === 'Qualifier')?.ParameterValue;
    if (qualifier !== undefined && qualifier !== env.bootstrapQualifier) {
      return fail(
        `${name} in ${account}/${config.region} was bootstrapped with qualifier ${qualifier}; the app uses ${env.bootstrapQualifier}`,
        `set the context key @aws-cdk/core:bootstrapQualifier to ${qualifier}, or bootstrap with --qualifier ${env.bootstrapQualifier} --toolkit-stack-name <another name>`,
      );
    }
    return pass(
      `${name} in ${account}/${config.region} is version ${version} (this app needs ${MIN_BOOTSTRAP_VERSION} or later), ${status}`,
    );
  },
};

/** API Gateway's account CloudWatch Logs role: stage access logging fails without it. */
export const apiGatewayCloudWatchRole: PreflightCheck = {
  title: 'API Gateway CloudWatch Logs role',
  notApplicable: (config) =>
    config.frontDoor === 'alb'
      ? 'frontDoor=alb: no API Gateway stage, the stack leaves the role alone'
      : undefined,
  async run(env) {
    const { config } = env;
    const mode = config.apiGatewayCloudWatchRole;
    let roleArn: string | undefined;
    try {
      ({ cloudwatchRoleArn: roleArn } = await env.clients
        .apiGateway(config.region)
        .send(new GetAccountCommand({})));
    } catch (error) {
      return awsFailure(
        `API Gateway account settings in ${config.region}`,
        'apigateway:GET on arn:aws:apigateway:<region>::/account',
        error,
        'retry; the stack reads nothing else here',
      );
    }
    if (mode === 'create') {
      return pass(
        roleArn
          ? `set to ${roleArn}; the stack sets it to its own role (apiGatewayCloudWatchRole=create; -c apiGatewayCloudWatchRole=existing keeps yours)`
          : `not set in ${config.region}; the stack sets it (apiGatewayCloudWatchRole=create)`,
      );
    }
    if (!roleArn) {
      return fail(
        `not set in ${env.account}/${config.region}, and apiGatewayCloudWatchRole=existing leaves it to the account: the stage's access logging would fail the deploy ("CloudWatch Logs role ARN must be set in account settings")`,
        `set it (aws apigateway update-account --region ${config.region} --patch-operations op=replace,path=/cloudwatchRoleArn,value=<role ARN>) or deploy with -c apiGatewayCloudWatchRole=create`,
      );
    }
    return pass(`set to ${roleArn} (apiGatewayCloudWatchRole=existing: the account manages it)`);
  },
};

/**
 * Enough unreserved concurrency for what a stack reserves (`reserved`), and a word when the account limit
 * is low. The stack's own check is {@link lambdaConcurrency}.
 */
export function lambdaConcurrencyFor(reserved: number): PreflightCheck {
  return {
    title: 'Lambda concurrency',
    async run(env) {
      const { config } = env;
      let limit: number | undefined;
      let unreserved: number | undefined;
      try {
        const { AccountLimit: account } = await env.clients
          .lambda(config.region)
          .send(new GetAccountSettingsCommand({}));
        limit = account?.ConcurrentExecutions;
        unreserved = account?.UnreservedConcurrentExecutions;
      } catch (error) {
        return awsFailure(
          `Lambda account settings in ${config.region}`,
          'lambda:GetAccountSettings',
          error,
          'retry',
        );
      }
      if (limit === undefined || unreserved === undefined) {
        return fail(`Lambda returned no concurrency limits for ${config.region}`, 'retry');
      }
      const reserves = reserved === 0 ? 'the stack reserves none' : `the stack reserves ${reserved}`;
      const left = unreserved - reserved;
      if (left < MIN_UNRESERVED_CONCURRENCY) {
        return fail(
          `${unreserved} of ${limit} concurrent executions are unreserved in ${config.region} and ${reserves}: Lambda refuses a reservation leaving fewer than ${MIN_UNRESERVED_CONCURRENCY}`,
          `free reserved concurrency of other functions, or request a higher "Concurrent executions" quota (Service Quotas, AWS Lambda) in ${config.region}`,
        );
      }
      const low =
        limit < COMFORTABLE_CONCURRENCY_LIMIT
          ? `; note: a limit of ${limit} can throttle the proxy before the stage's own throttling does: request a higher "Concurrent executions" quota before production traffic`
          : '';
      return pass(
        `${unreserved} of ${limit} concurrent executions unreserved in ${config.region}, ${reserves}${low}`,
      );
    },
  };
}

/** What this stack reserves: see requirements.ts. */
export const lambdaConcurrency = lambdaConcurrencyFor(STACK_RESERVED_CONCURRENCY);
