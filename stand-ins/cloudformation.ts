/**
 * A local CloudFormation stand-in answering `DescribeStacks` in the real query protocol (form-encoded
 * request, XML response), so the unmodified SDK reaches it through `AWS_ENDPOINT_URL_CLOUDFORMATION`.
 * npm has no CloudFormation emulator; this covers the one call the admin CLI makes (stack outputs).
 * With an IAM gate (given, or installed for the process when it starts) the caller's policies must allow
 * `cloudformation:DescribeStacks` on the stack's ARN, else 403 AccessDenied.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { LOCAL_ACCOUNT, accessKeyIdOf, activeIamGate, type IamGate } from './iam-gate';
import { close, listen, readBody } from './listen';

/** The stack ARN of a stand-in stack (stable id per name). */
export function stackArnFor(name: string): string {
  const id = createHash('sha256').update(name).digest('hex');
  const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
  return `arn:aws:cloudformation:us-east-1:${LOCAL_ACCOUNT}:stack/${name}/${uuid}`;
}

export interface CloudFormationStandIn {
  readonly endpoint: string;
  /** DescribeStacks calls served so far, by stack name. */
  readonly calls: string[];
  close(): Promise<void>;
}

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `stacks`: stack name → its outputs (key → value). Unknown stacks get CloudFormation's ValidationError. */
export async function startCloudFormationStandIn(
  stacks: Record<string, Record<string, string>>,
  options: { readonly iam?: IamGate } = {},
): Promise<CloudFormationStandIn> {
  const calls: string[] = [];
  const gate = options.iam ?? activeIamGate();
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const params = new URLSearchParams(body);
      const name = params.get('StackName') ?? '';
      calls.push(name);
      const requestId = randomUUID();
      res.setHeader('content-type', 'text/xml');
      res.setHeader('x-amzn-requestid', requestId);
      const action = `cloudformation:${params.get('Action') ?? ''}`;
      const resource = stackArnFor(name);
      if (
        gate &&
        !(await gate.authorize({ accessKeyId: accessKeyIdOf(req.headers.authorization), action, resource }))
          .allowed
      ) {
        res.statusCode = 403;
        res.end(
          `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
            `<Message>not authorized to perform: ${escapeXml(action)} on resource: ${escapeXml(resource)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
        return;
      }
      const outputs = stacks[name];
      if (params.get('Action') !== 'DescribeStacks' || !outputs) {
        const message =
          params.get('Action') === 'DescribeStacks'
            ? `Stack with id ${name} does not exist`
            : 'unsupported action';
        res.statusCode = 400;
        res.end(
          `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
            `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(
          ([key, value]) =>
            `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`,
        )
        .join('');
      res.end(
        `<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member>` +
          `<StackName>${escapeXml(name)}</StackName>` +
          `<StackId>${escapeXml(stackArnFor(name))}</StackId>` +
          `<CreationTime>2025-01-01T00:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
          `<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  const port = await listen(server);
  return { endpoint: `http://127.0.0.1:${port}`, calls, close: () => close(server) };
}
