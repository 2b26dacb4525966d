// cdk-nag names a finding on a resource by the ARN as it appears in the template, with tokens
// written as <LogicalId> (Ref) or <LogicalId.Attribute> (Fn::GetAtt). Acknowledgements must use
// the same text, so they are built with this one function.
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A token-bearing ARN rendered the way cdk-nag prints it in finding ids. */
export function nagArn(scope: IConstruct, arn: string): string {
  const resolved: unknown = Stack.of(scope).resolve(arn);
  if (typeof resolved === 'string') return resolved;
  const parts = (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as { Ref?: string; 'Fn::GetAtt'?: string[] };
      return `<${token.Ref ?? (token['Fn::GetAtt'] ?? []).join('.')}>`;
    })
    .join('');
}
