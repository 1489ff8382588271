/**
 * The certificate registry (docs/reference.md#registry): one DynamoDB table keyed by the RFC 8705 thumbprint. It is
 * stateful: the construct ID and the pinned logical ID never change, the table survives stack deletion,
 * and its stream drives the truststore builder.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { REGISTRY_KEY, REGISTRY_TTL_ATTRIBUTE } from '../shared/registry-model';

/** Logical ID of the table in the template (pinned by a test: changing it would replace the table). */
export const REGISTRY_TABLE_LOGICAL_ID = 'RegistryTable';

export class RegistryTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: REGISTRY_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // The builder rebuilds the truststore from the whole table; the images let it log what changed.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: REGISTRY_TTL_ATTRIBUTE,
    });
    (this.table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId(REGISTRY_TABLE_LOGICAL_ID);
  }
}
