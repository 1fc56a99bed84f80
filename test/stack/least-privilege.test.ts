import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Template, type Template as TemplateType } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, resourceIdStartingWith, synthesize } from '../../harness/stack-fixture';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
type PolicyResource = { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } };

let template: TemplateType;
let ids: { queue: string; dlq: string; table: string; secret: string; authorizerRole: string; consumerRole: string; forgetRole: string };

beforeAll(() => {
  ({ template } = synthesize());
  ids = {
    queue: resourceIdStartingWith(template, 'AWS::SQS::Queue', 'TrackingPageViewQueue'),
    dlq: resourceIdStartingWith(template, 'AWS::SQS::Queue', 'TrackingDeadLetterQueue'),
    table: resourceIdStartingWith(template, 'AWS::DynamoDB::Table', 'TrackingTable'),
    secret: resourceIdStartingWith(template, 'AWS::SecretsManager::Secret', 'TrackingSigningKeys'),
    authorizerRole: resourceIdStartingWith(template, 'AWS::IAM::Role', 'TrackingAuthorizerRole'),
    consumerRole: resourceIdStartingWith(template, 'AWS::IAM::Role', 'TrackingAggregatorRole'),
    forgetRole: resourceIdStartingWith(template, 'AWS::IAM::Role', 'TrackingForgetRole'),
  };
});

function statementsOf(t: TemplateType, roleId: string): Statement[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as PolicyResource[];
  return policies
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every action the role is allowed, mapped to the resources it applies to (as JSON for comparison). */
function grants(roleId: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const statement of statementsOf(template, roleId)) {
    expect(statement.Effect).toBe('Allow');
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const action of actions(statement)) {
      result.set(action, [...(result.get(action) ?? []), ...resources.map((r) => JSON.stringify(r))]);
    }
  }
  return result;
}

const arnOf = (id: string) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
const refOf = (id: string) => JSON.stringify({ Ref: id });

describe('the authorizer role', () => {
  it('may only write its logs, send to its queue and read its secret', () => {
    const allowed = grants(ids.authorizerRole);
    const logGroup = arnOf(resourceIdStartingWith(template, 'AWS::Logs::LogGroup', 'TrackingAuthorizerLogs'));
    expect(Object.fromEntries(allowed)).toEqual({
      'logs:CreateLogStream': [logGroup],
      'logs:PutLogEvents': [logGroup],
      'sqs:SendMessage': [arnOf(ids.queue)],
      'sqs:GetQueueAttributes': [arnOf(ids.queue)],
      'sqs:GetQueueUrl': [arnOf(ids.queue)],
      'secretsmanager:GetSecretValue': [refOf(ids.secret)],
      'secretsmanager:DescribeSecret': [refOf(ids.secret)],
    });
  });
});

describe('the consumer role', () => {
  it('may only write its logs, consume its queue and write its table', () => {
    const allowed = grants(ids.consumerRole);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      expect(allowed.get(action), action).toEqual([arnOf(ids.queue)]);
    }
    // GetItem: the tombstone check before a session is created without a device write.
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem']) {
      expect(allowed.get(action), action).toEqual([arnOf(ids.table)]);
    }
    for (const action of allowed.keys()) {
      expect(action, `unexpected action ${action}`).toMatch(/^(logs:(CreateLogStream|PutLogEvents)|sqs:|dynamodb:)/);
    }
    for (const action of ['sqs:SendMessage', 'secretsmanager:GetSecretValue', 'dynamodb:Scan']) {
      expect(allowed.has(action), action).toBe(false);
    }
    // Nothing touches the dead-letter queue: redrive is an operator action.
    expect(JSON.stringify([...allowed.values()])).not.toContain(ids.dlq);
  });
});

describe('the forget endpoint role', () => {
  it('may only write its logs, read the signing keys and erase devices of its table (no Scan, no queue)', () => {
    const logGroup = arnOf(resourceIdStartingWith(template, 'AWS::Logs::LogGroup', 'TrackingForgetLogs'));
    expect(Object.fromEntries(grants(ids.forgetRole))).toEqual({
      'logs:CreateLogStream': [logGroup],
      'logs:PutLogEvents': [logGroup],
      'secretsmanager:GetSecretValue': [refOf(ids.secret)],
      'secretsmanager:DescribeSecret': [refOf(ids.secret)],
      'dynamodb:Query': [arnOf(ids.table)],
      'dynamodb:PutItem': [arnOf(ids.table)],
      'dynamodb:BatchWriteItem': [arnOf(ids.table)],
    });
  });
});

describe('every function role', () => {
  it('has no managed policies and no wildcard resources', () => {
    for (const roleId of [ids.authorizerRole, ids.consumerRole, ids.forgetRole]) {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
      });
      expect(JSON.stringify(template.findResources('AWS::IAM::Role')[roleId])).not.toContain('ManagedPolicyArns');
      for (const statement of statementsOf(template, roleId)) {
        expect(JSON.stringify(statement.Resource), JSON.stringify(statement)).not.toMatch(/\*"/);
        for (const action of actions(statement)) expect(action).not.toContain('*');
      }
    }
  });
});

describe('grantRead', () => {
  it("gives a user's backend read-only access to exactly the table", () => {
    const { stack } = buildStack();
    const backend = new Role(stack, 'Backend', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    stack.tracking.grantRead(backend);
    const t = Template.fromStack(stack);
    const backendId = resourceIdStartingWith(t, 'AWS::IAM::Role', 'Backend');
    const statements = statementsOf(t, backendId);
    const granted = statements.flatMap(actions);
    expect(granted).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(granted.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
    for (const statement of statements) {
      const resources = JSON.stringify(statement.Resource);
      expect(resources).toContain(ids.table);
      expect(resources).not.toMatch(/\*"/);
    }
  });
});
